/* The qcow2 metadata table cache: a few cluster-sized tables kept in memory, least
 * recently used evicted first. Entries are never dirty (callers write changes through
 * at once), which keeps crash ordering simple: what is on disk is what the last
 * completed metadata update wrote. */
#include "block/qcow2.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

void qcow2_cache_init(Qcow2Cache *c, BlockNode *node, size_t table_size, unsigned nentries)
{
    pthread_mutex_init(&c->lock, NULL);
    c->node = node;
    c->table_size = table_size;
    c->nentries = nentries;
    c->entries = g_new0(Qcow2CacheEntry, nentries);
    for (unsigned i = 0; i < nentries; i++)
        c->entries[i].data = g_malloc(table_size);
    c->clock = 0;
}

void qcow2_cache_destroy(Qcow2Cache *c)
{
    for (unsigned i = 0; i < c->nentries; i++)
        g_free(c->entries[i].data);
    g_free(c->entries);
    c->entries = NULL;
    c->nentries = 0;
    pthread_mutex_destroy(&c->lock);
}

static Qcow2CacheEntry *cache_find(Qcow2Cache *c, uint64_t offset)
{
    for (unsigned i = 0; i < c->nentries; i++) {
        if (c->entries[i].offset == offset)
            return &c->entries[i];
    }
    return NULL;
}

/* The least recently used unpinned slot; a new slot if every one is pinned. */
static Qcow2CacheEntry *cache_victim(Qcow2Cache *c)
{
    Qcow2CacheEntry *best = NULL;
    for (unsigned i = 0; i < c->nentries; i++) {
        Qcow2CacheEntry *e = &c->entries[i];
        if (e->pins)
            continue;
        if (!best || e->offset == 0 || (best->offset != 0 && e->last_use < best->last_use))
            best = e;
        if (e->offset == 0)
            break;
    }
    if (best)
        return best;
    c->entries = g_renew(Qcow2CacheEntry, c->entries, c->nentries + 1);
    best = &c->entries[c->nentries++];
    *best = (Qcow2CacheEntry){0, g_malloc(c->table_size), 0, 0};
    return best;
}

static int cache_load(Qcow2Cache *c, uint64_t offset, uint8_t *buf)
{
    size_t done = 0;
    while (done < c->table_size) {
        ssize_t r = pread(c->node->fd, buf + done, c->table_size - done, (off_t)(offset + done));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            return -EIO; /* callers checked the table lies inside the file */
        done += (size_t)r;
    }
    return 0;
}

int qcow2_cache_get(Qcow2Cache *c, uint64_t offset, bool zero_fill, uint8_t **table)
{
    pthread_mutex_lock(&c->lock);
    Qcow2CacheEntry *e = cache_find(c, offset);
    if (!e) {
        e = cache_victim(c);
        e->offset = 0;
        int r = 0;
        if (zero_fill)
            memset(e->data, 0, c->table_size);
        else
            r = cache_load(c, offset, e->data);
        if (r < 0) {
            pthread_mutex_unlock(&c->lock);
            return r;
        }
        e->offset = offset;
    } else if (zero_fill) {
        memset(e->data, 0, c->table_size);
    }
    e->pins++;
    e->last_use = ++c->clock;
    *table = e->data;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

void qcow2_cache_put(Qcow2Cache *c, uint8_t *table)
{
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < c->nentries; i++) {
        if (c->entries[i].data == table && c->entries[i].pins > 0) {
            c->entries[i].pins--;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

int qcow2_cache_write(Qcow2Cache *c, const uint8_t *table, size_t start, size_t len)
{
    uint64_t offset = 0;
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < c->nentries; i++) {
        if (c->entries[i].data == table)
            offset = c->entries[i].offset;
    }
    pthread_mutex_unlock(&c->lock);
    if (offset == 0)
        return -EINVAL;
    size_t done = 0;
    while (done < len) {
        ssize_t r =
            pwrite(c->node->fd, table + start + done, len - done, (off_t)(offset + start + done));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        done += (size_t)r;
    }
    return 0;
}

void qcow2_cache_forget(Qcow2Cache *c, uint64_t offset)
{
    pthread_mutex_lock(&c->lock);
    Qcow2CacheEntry *e = cache_find(c, offset);
    if (e && e->pins == 0)
        e->offset = 0;
    pthread_mutex_unlock(&c->lock);
}
