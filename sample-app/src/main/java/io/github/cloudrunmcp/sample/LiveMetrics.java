package io.github.cloudrunmcp.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The page's charts, sampled every second from the meters the starter registers: events
 * per second ({@code mcp.stream.events.received}), reconnects
 * ({@code mcp.stream.reconnects}) and the mean latency of tool calls (the
 * {@code mcp.client.operation} timers of {@code tools/call}, which Spring Boot makes of
 * the starter's observations). The last two minutes are kept, so a page that opens shows
 * them at once.
 */
@Component
class LiveMetrics implements DisposableBean {

	static final Duration INTERVAL = Duration.ofSeconds(1);

	private static final int CAPACITY = 120;

	private final MeterRegistry registry;

	private final AtomicReference<History> history;

	private final Disposable sampling;

	LiveMetrics(MeterRegistry registry) {
		this.registry = registry;
		this.history = new AtomicReference<>(new History(totals(), List.of()));
		// Reading meters never blocks, so the parallel scheduler's timer does it.
		this.sampling = Flux.interval(INTERVAL, INTERVAL).subscribe((tick) -> sample());
	}

	/**
	 * Return the samples, oldest first.
	 * @return the samples
	 */
	List<Sample> samples() {
		return this.history.get().samples();
	}

	void sample() {
		this.history.updateAndGet((history) -> history.next(totals()));
	}

	private Totals totals() {
		double events = this.registry.find("mcp.stream.events.received")
			.functionCounters()
			.stream()
			.mapToDouble(FunctionCounter::count)
			.sum();
		double reconnects = this.registry.find("mcp.stream.reconnects")
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
		long calls = 0;
		double callMillis = 0;
		for (Timer timer : this.registry.find("mcp.client.operation").tag("mcp.method.name", "tools/call").timers()) {
			calls += timer.count();
			callMillis += timer.totalTime(TimeUnit.MILLISECONDS);
		}
		return new Totals(System.nanoTime(), System.currentTimeMillis(), events, (long) reconnects, calls, callMillis);
	}

	@Override
	public void destroy() {
		this.sampling.dispose();
	}

	/**
	 * One second of the charts.
	 *
	 * @param at when it was taken, in epoch milliseconds
	 * @param eventsPerSecond events received per second since the sample before
	 * @param reconnects reconnects of all streams so far
	 * @param toolCalls tool calls so far
	 * @param latencyMillis mean latency of the tool calls that ended since the sample
	 * before, or {@code null} when none did
	 */
	record Sample(long at, double eventsPerSecond, long reconnects, long toolCalls, @Nullable Double latencyMillis) {

	}

	private record Totals(long nanos, long epochMillis, double events, long reconnects, long calls, double callMillis) {

		Sample since(Totals earlier) {
			double seconds = Math.max(1e-3, (this.nanos - earlier.nanos) / 1e9);
			long calls = this.calls - earlier.calls;
			Double latency = (calls > 0) ? (this.callMillis - earlier.callMillis) / calls : null;
			return new Sample(this.epochMillis, Math.max(0, this.events - earlier.events) / seconds, this.reconnects,
					this.calls, latency);
		}

	}

	private record History(Totals last, List<Sample> samples) {

		History next(Totals now) {
			List<Sample> samples = new ArrayList<>(this.samples.size() + 1);
			samples.addAll(this.samples.subList(Math.max(0, this.samples.size() - CAPACITY + 1), this.samples.size()));
			samples.add(now.since(this.last));
			return new History(now, List.copyOf(samples));
		}

	}

}
