/*
 * describe.c - `revtrace emulate --describe`: every parameter of the chosen profile, its
 * value, and the published figure (data/phab-locust-runs.csv) or documented default it
 * comes from.  The reasoning behind each is in docs/emulate.md.
 */
#include "emulate/emulate.h"

#include "core/units.h"

static void row(FILE *out, const char *name, const char *value, const char *why)
{
    fprintf(out, "  %-24s %-14s %s\n", name, value, why);
}

static void dur(FILE *out, const char *name, int64_t us, const char *why)
{
    char b[32];
    row(out, name, rt_format_duration(b, sizeof b, us), why);
}

static void num(FILE *out, const char *name, const char *fmt, double v, const char *why)
{
    char b[32];
    snprintf(b, sizeof b, fmt, v);
    row(out, name, b, why);
}

void emu_describe(const struct emu_config *cfg, FILE *out)
{
    const struct rt_emu_params *p = &cfg->params;
    fprintf(out, "profile %s (seed %llu)\n", p->profile, (unsigned long long)cfg->seed);
    if (p->kind == RT_EMU_NONE) {
        fprintf(out, "  no added delay: every answer is computed in the HTTP handler.\n");
        return;
    }
    if (p->kind == RT_EMU_DELAY) {
        fprintf(out, "  lognormal delay per request, no shared resource:\n");
        dur(out, "delay median", p->delay_median_us, "--delay-median");
        dur(out, "delay p90", p->delay_p90_us, "--delay-p90");
        return;
    }
    fprintf(out, "\nUpstream wait (MediaWiki API calls; no CPU) = min + lognormal excess\n");
    dur(out, "upstream_min", p->upstream_min_us,
        "staging 2 users: min 397 ms, less the CPU work below");
    dur(out, "upstream_excess_median", p->upstream_excess_median_us,
        "staging 2 users: median 580 ms");
    dur(out, "upstream_excess_p90", p->upstream_excess_p90_us, "staging 2 users: p90 750 ms");
    num(out, "upstream_retry_ratio", "%.6f", p->upstream_retry_ratio,
        "prod 100 & 500@2: p99.99 = p100 = 12 s in ~3,000 requests");
    dur(out, "upstream_retry", p->upstream_retry_us, "same rows: the ~12 s outliers");
    num(out, "upstream_slowdown", "%.4f", p->upstream_slowdown,
        "prod 100 users: median 670 ms at 25 req/s vs 580 ms unloaded (per call in progress)");
    fprintf(out, "\nReplica (model server)\n");
    if (p->cpu_fifo > 0) {
        num(out, "cpu_fifo", "%.0f", p->cpu_fifo,
            "one asyncio event loop, synchronous predict: one request computes at a time");
        dur(out, "cpu_mean", p->cpu_mean_us,
            "staging 100 users: saturation 14.6 req/s (1 / 14.6 = 68 ms)");
    } else {
        dur(out, "cpu_mean", p->cpu_mean_us, "processor-shared over the replica's CPUs");
        num(out, "cpus_per_replica", "%.0f", p->cpus_per_replica, "seed README: 2 CPUs");
    }
    num(out, "cpu_cv", "%.2f", p->cpu_cv, "assumed (feature size varies per revision)");
    num(out, "admit_limit", "%.0f", p->admit_limit,
        "staging 500 users: throughput 10 and 7 req/s, not lower (contention is capped)");
    num(out, "contention_knee", "%.0f", p->contention_knee,
        "staging 100 users still reaches 14.6 req/s");
    num(out, "contention", "%.4f", p->contention,
        "staging 500 users: 10.05 and 7.35 req/s (CPU slowdown per admitted request)");
    fprintf(out, "\nGateway\n");
    dur(out, "gateway_timeout", p->gateway_timeout_us,
        "staging 500@5: 33 x 502 with max 46.8 s, p99 45 s");
    num(out, "reset_per_inflight", "%.6f", p->reset_per_inflight,
        "staging 100: 4/1742 fast 502s (min 81 ms) at ~55 in flight");
    dur(out, "reset_delay", p->reset_delay_us, "staging 100 / prod 500@5: min 81 / 61 ms");
    fprintf(out, "\nReplicas and autoscaling\n");
    num(out, "replicas_min", "%.0f", p->replicas_min, "seed README");
    num(out, "replicas_max", "%.0f", p->replicas_max, "seed README");
    if (p->replicas_max > p->replicas_min) {
        num(out, "target_concurrency", "%.1f", p->target_concurrency,
            "seed README: Knative target concurrency 3");
        num(out, "target_utilization", "%.2f", p->target_utilization,
            "Knative default container-concurrency-target-percentage 70%");
        dur(out, "stable_window", p->stable_window_us, "Knative default");
        dur(out, "panic_window", p->panic_window_us, "Knative default (10% of stable)");
        num(out, "panic_threshold", "%.1f", p->panic_threshold, "Knative default 200%");
        dur(out, "tick", p->tick_us, "Knative default");
        dur(out, "replica_start", p->replica_start_us,
            "prod 500@5: 51 req/s and median 2.6 s while scaling out");
    }
}
