/* SPDX-License-Identifier: MIT */
/*
 * bpfx xdp | tc | socket OBJ [prog NAME] --dev IFACE [--dev2 IFACE2]
 *      [--count N] [--duration S]
 *
 * Runs a packet program on the frames a live interface receives. One
 * AF_PACKET socket per interface (ETH_P_ALL, promiscuous membership,
 * PACKET_IGNORE_OUTGOING so bpfx never sees what it or the host sends),
 * read with recv on the thread of the command; each frame runs exactly as
 * a pcap frame does (bpfx_pkt_runner), then the verdict acts:
 *   drop (XDP_DROP, XDP_ABORTED, TC_ACT_SHOT, STOLEN, TRAP): nothing sent;
 *   pass (XDP_PASS, other tc verdicts): the frame, as modified, goes out of
 *     the other interface when --dev2 is given (a user-space bridge); with
 *     one interface nothing is sent, the kernel has delivered it already;
 *   XDP_TX: sent back out of the receiving interface;
 *   XDP_REDIRECT / TC_ACT_REDIRECT: sent out of the interface whose ifindex
 *     bpf_redirect recorded (dropped when there is none);
 *   socket filters: counted only (kept lengths).
 * AF_PACKET only taps the interface: the kernel still delivers every
 * frame itself, so a bridge or firewall needs interfaces that do not
 * forward on their own. Stops on SIGINT/SIGTERM, after --count frames or
 * --duration seconds; promiscuous mode ends with the sockets.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "packet.h"

static volatile sig_atomic_t live_stop;

static void on_signal(int sig)
{
	(void)sig;
	live_stop = 1;
}

/* A bound, promiscuous AF_PACKET socket on ifname, or -1 (reported). */
static int live_open(const char *ifname, int *ifindex)
{
	*ifindex = (int)if_nametoindex(ifname);
	if (!*ifindex)
		return cli_error("no interface named '%s'", ifname), -1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return cli_error("can't open a packet socket: %s", strerror(errno)), -1;
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = *ifindex };
	struct packet_mreq mr = { .mr_ifindex = *ifindex, .mr_type = PACKET_MR_PROMISC };
	int one = 1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one))) {
		cli_error("can't listen on %s: %s", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Where a frame of verdict v received on slot `rx` goes: a socket index,
 * -2 for the redirect target, -1 for nowhere. */
static int live_target(const struct pkt_kind *k, uint32_t v, int rx, int nsock)
{
	if (!k->names)
		return -1;
	if (k == &pkt_kinds[0]) {
		if (v == XDP_TX)
			return rx;
		if (v == XDP_REDIRECT)
			return -2;
		return v == XDP_PASS && nsock == 2 ? 1 - rx : -1;
	}
	int32_t s = (int32_t)v;
	if (s == TC_ACT_REDIRECT)
		return -2;
	if (s == TC_ACT_SHOT || s == TC_ACT_STOLEN || s == TC_ACT_TRAP)
		return -1;
	return nsock == 2 ? 1 - rx : -1;
}

static void live_send(int fd, int ifindex, const uint8_t *p, uint32_t len, struct pkt_stats *st)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				  .sll_halen = ETH_ALEN };
	if (len >= ETH_HLEN)
		memcpy(to.sll_addr, p, ETH_ALEN);
	if (sendto(fd, p, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
		st->sent++;
	else
		st->send_errors++;
}

/* Runs one received frame and acts on its verdict. */
static void live_frame(const struct pkt_kind *k, struct bpfx_pkt_runner *r, const int *fds,
		       const int *ifx, int n, int rx, const uint8_t *buf, uint32_t len,
		       struct pkt_stats *st)
{
	struct bpfx_pkt_result res;
	uint64_t idx = st->packets;
	int err = bpfx_pkt_runner__run(r, buf, len, &res);
	pkt_count(st, k, idx, err, &res, len > 14 ? len - 14 : 0);
	if (err)
		return;
	int t = live_target(k, res.verdict, rx, n);
	if (t >= 0) {
		live_send(fds[t], ifx[t], res.data, res.len, st);
		return;
	}
	if (t == -2 && res.redirect_ifindex)
		live_send(fds[rx], (int)res.redirect_ifindex, res.data, res.len, st);
	else if (t == -2)
		st->send_errors++;
}

int pkt_run_live(const struct pkt_kind *k, int prog_fd, const struct pkt_args *a,
		 struct pkt_stats *st, double *secs)
{
	int fds[2] = { -1, -1 }, ifx[2] = { 0, 0 }, n = a->dev2 ? 2 : 1, rc = 0, err = 0;
	for (int i = 0; i < n && !rc; i++)
		if ((fds[i] = live_open(i ? a->dev2 : a->dev, &ifx[i])) < 0)
			rc = 1;
	struct bpfx_pkt_runner *r = rc ? NULL : bpfx_pkt_runner__new(prog_fd, &err);
	if (!rc && !r)
		rc = cli_error("can't run the program: %s", strerror(-err));
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	static uint8_t buf[65536 + 64];
	double start = now_s(), last = start;
	bool progress = a->progress || (isatty(STDERR_FILENO) && !cli_json);
	while (!rc && !live_stop && (!a->count || st->packets < a->count)) {
		double t = now_s();
		if (a->duration > 0 && t - start >= a->duration)
			break;
		if (progress && t - last >= 1) {
			fprintf(stderr, "\r%llu packets, %.0f/s", (unsigned long long)st->packets,
				st->packets / (t - start));
			last = t;
		}
		struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
		if (poll(p, (nfds_t)n, 100) <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			ssize_t got = recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
			if (got > 0 && (size_t)got <= sizeof(buf))
				live_frame(k, r, fds, ifx, n, i, buf, (uint32_t)got, st);
		}
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	*secs = now_s() - start;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	live_stop = 0;
	bpfx_pkt_runner__free(r);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}
