/*
 * The machine's reference for the 1 MiB echo: the same exchange as the transport bench's (1 MiB
 * messages, 4 in flight, TCP on loopback) in C, with nothing but the system calls. The server
 * reads each message whole before writing it back (store-and-forward, as a framed echo of
 * buffered bodies must), or writes back each read as it comes (cut-through, as the raw echo does).
 *
 *   echo server store|cut        prints its port, serves one connection, exits at EOF
 *   echo client PORT ROUNDS MS WARMUP_MS
 *                                prints one line per round: "round MB/s"
 *
 * Both exit by themselves within two minutes whatever happens.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE (1 << 20)
#define IN_FLIGHT 4

static char message[MESSAGE];
static char buffer[MESSAGE];
static int peer;
static sem_t window;

/* Sends or receives exactly `size` octets; -1 when the socket ends or fails. */
static int whole(int fd, char *data, size_t size, int sending) {
  for (size_t done = 0; done < size;) {
    ssize_t n = sending ? send(fd, data + done, size - done, MSG_NOSIGNAL) : recv(fd, data + done, size - done, 0);
    if (n <= 0) return -1;
    done += (size_t)n;
  }
  return 0;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void *sender(void *unused) {
  (void)unused;
  for (;;) {
    sem_wait(&window);
    if (whole(peer, message, MESSAGE, 1) < 0) return NULL;
  }
}

static int serve(int cut_through) {
  int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t length = sizeof address;
  if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 1) ||
      getsockname(listener, (struct sockaddr *)&address, &length)) {
    perror("echo server");
    return 1;
  }
  printf("%d\n", ntohs(address.sin_port));
  fflush(stdout);
  int fd = accept(listener, NULL, NULL);
  if (fd < 0) return 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (cut_through) {
    for (ssize_t n; (n = recv(fd, buffer, MESSAGE, 0)) > 0;)
      if (whole(fd, buffer, (size_t)n, 1) < 0) break;
  } else {
    while (whole(fd, buffer, MESSAGE, 0) == 0 && whole(fd, buffer, MESSAGE, 1) == 0) {
    }
  }
  return 0;
}

static int client(int port, int rounds, double seconds, double warmup) {
  int one = 1;
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  peer = socket(AF_INET, SOCK_STREAM, 0);
  if (peer < 0 || connect(peer, (struct sockaddr *)&address, sizeof address)) {
    perror("echo client");
    return 1;
  }
  setsockopt(peer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  memset(message, 0x5a, sizeof message);
  sem_init(&window, 0, IN_FLIGHT);
  pthread_t thread;
  pthread_create(&thread, NULL, sender, NULL);
  for (int round = -1; round < rounds; round++) {
    double started = now(), limit = round < 0 ? warmup : seconds;
    long count = 0;
    do {
      if (whole(peer, buffer, MESSAGE, 0) < 0) return 1;
      count++;
      sem_post(&window);
    } while (now() - started < limit);
    if (round >= 0) printf("round %.1f\n", count * (double)MESSAGE / (now() - started) / 1e6);
    fflush(stdout);
  }
  return 0; /* exiting ends the sender thread, and the server sees EOF */
}

int main(int argc, char **argv) {
  alarm(120);
  if (argc == 3 && strcmp(argv[1], "server") == 0) return serve(strcmp(argv[2], "cut") == 0);
  if (argc == 6 && strcmp(argv[1], "client") == 0) return client(atoi(argv[2]), atoi(argv[3]), atof(argv[4]) / 1000, atof(argv[5]) / 1000);
  fprintf(stderr, "usage: echo server store|cut | echo client PORT ROUNDS MS WARMUP_MS\n");
  return 2;
}
