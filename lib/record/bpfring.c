/* bpfring.c: mapping a BPF ring buffer for bpfring.h's reader. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "record/bpfring.h"

int fr_bpfring_open(struct fr_bpfring *b, int map_fd, uint64_t data_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	/* edge-triggered: wake on the producers' explicit wake-ups only (they
	 * wake the reader once the buffer is filling up) and on the caller's
	 * timeout, not whenever a record is waiting, which under a steady
	 * stream of events would make the reader spin */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int err;

	memset(b, 0, sizeof(*b));
	b->epfd = -1;
	if (!data_size || (data_size & (data_size - 1)))
		return -EINVAL;
	b->cons_len = page;
	b->cons_map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (b->cons_map == MAP_FAILED) {
		err = -errno;
		b->cons_map = NULL;
		return err;
	}
	b->prod_len = page + 2 * data_size;
	b->prod_map = mmap(NULL, b->prod_len, PROT_READ, MAP_SHARED, map_fd, page);
	if (b->prod_map == MAP_FAILED) {
		err = -errno;
		b->prod_map = NULL;
		fr_bpfring_close(b);
		return err;
	}
	b->consumer = b->cons_map;
	b->producer = b->prod_map;
	b->data = (const uint8_t *)b->prod_map + page;
	b->mask = data_size - 1;
	b->publish = data_size / 4 < FR_BPFRING_PUBLISH ? data_size / 4 : FR_BPFRING_PUBLISH;
	b->pos = __atomic_load_n(b->consumer, __ATOMIC_ACQUIRE);
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0 || epoll_ctl(b->epfd, EPOLL_CTL_ADD, map_fd, &ev) < 0) {
		err = -errno;
		fr_bpfring_close(b);
		return err;
	}
	return 0;
}

void fr_bpfring_close(struct fr_bpfring *b)
{
	if (b->cons_map)
		munmap(b->cons_map, b->cons_len);
	if (b->prod_map)
		munmap(b->prod_map, b->prod_len);
	if (b->epfd >= 0)
		close(b->epfd);
	memset(b, 0, sizeof(*b));
	b->epfd = -1;
}
