/*
 * udp-echo PORT: sends every datagram back to its sender and prints it on stdout, one
 * line each, flushed; busybox's nc has no UDP here. A test program run inside containers
 * (BridgeNetworkIT), compiled static at test time.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: udp-echo PORT\n");
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) {
        perror("socket");
        return 1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short) atoi(argv[1]));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(s, (struct sockaddr *) &addr, sizeof addr) < 0) {
        perror("bind");
        return 1;
    }
    char buf[65536];
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *) &peer, &len);
        if (n < 0) {
            perror("recvfrom");
            return 1;
        }
        sendto(s, buf, (size_t) n, 0, (struct sockaddr *) &peer, len);
        fwrite(buf, 1, (size_t) n, stdout);
        if (n == 0 || buf[n - 1] != '\n') {
            fputc('\n', stdout);
        }
        fflush(stdout);
    }
}
