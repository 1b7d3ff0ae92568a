-- wrk's summary as one line of key=value pairs for bench/rest-bench to read:
-- requests, bytes and the run's length, the error counts wrk keeps (connect,
-- read, write, timeout, and status: answers outside 2xx/3xx), and the latency
-- percentiles in microseconds from wrk's own histogram of completed requests.
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"WRK requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d " ..
		"timeout=%d status=%d min=%d p50=%d p90=%d p99=%d max=%d mean=%.1f\n",
		summary.requests, summary.duration, summary.bytes, e.connect, e.read,
		e.write, e.timeout, e.status, latency.min, latency:percentile(50),
		latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
