/* SPDX-License-Identifier: MIT */
/*
 * peaks_file.h — the waveform sidecar of a cached recording: computed once
 * when the recording lands, stored beside it as <cache path>.peaks
 * (temp file in <cache>/tmp → fsync → rename → fsync of the directory),
 * stamped with the recording's sha256 so a sidecar left from other audio
 * is never served. The cache removes it with the recording (cache_evict).
 *
 * Threads: any thread; concurrent builds of one sidecar are harmless (the
 * last rename wins and both hold the same bytes).
 */
#ifndef RECD_PEAKS_PEAKS_FILE_H
#define RECD_PEAKS_PEAKS_FILE_H

#include "common.h"
#include "peaks/peaks.h"

#define PEAKS_FILE_SUFFIX ".peaks"

/** Decode <cache_dir>/<rel_path>, write its sidecar, and hand the peaks to
 *  *pp if pp is not NULL (caller frees with peaks_free()). RECD_EINVAL (with
 *  a reason in err) if the audio cannot be decoded, RECD_EIO on a file
 *  system failure. */
RECD_MUSTCHECK recd_err peaks_file_build(const char *cache_dir, const char *rel_path,
                                         const char *sha256, struct peaks **pp, char *err,
                                         size_t errlen);

/** Read the sidecar of <cache_dir>/<rel_path>. RECD_ENOTFOUND if there is
 *  none or it was computed from other audio than sha256; RECD_EINVAL if
 *  it is corrupt. *pp freed with peaks_free(). */
RECD_MUSTCHECK recd_err peaks_file_load(const char *cache_dir, const char *rel_path,
                                        const char *sha256, struct peaks **pp);

/** Peaks of whatever has landed so far in path (a download's part file);
 *  nothing is written. RECD_ENOTFOUND if the file is gone or empty. */
RECD_MUSTCHECK recd_err peaks_file_scan(const char *path, struct peaks **pp, char *err,
                                        size_t errlen);

#endif /* RECD_PEAKS_PEAKS_FILE_H */
