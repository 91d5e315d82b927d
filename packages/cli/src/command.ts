import type { RuntimeAdapter } from "./adapter.ts";
import type { OptionSpec, Parsed } from "./args.ts";

export interface Command {
  readonly name: string;
  /** One line for `sockframe --help`. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  readonly options: OptionSpec;
  readonly positionals: boolean;
  /**
   * The exit status of a usage error (an unknown option) when not 2: exec keeps all of its own
   * failures at 125, apart from the remote command's statuses.
   */
  readonly usageErrorStatus?: number;
  /** Resolves with the exit status. Throws CliError for a one-line failure. */
  run(parsed: Parsed, adapter: RuntimeAdapter): Promise<number>;
}
