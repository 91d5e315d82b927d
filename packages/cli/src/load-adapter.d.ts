import type { RuntimeAdapter, RuntimeName } from "./adapter.ts";

export function detectRuntime(): RuntimeName;
export function loadAdapter(): Promise<RuntimeAdapter>;
