package io.github.cloudrunmcp.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;

/**
 * Samples the JVM's used heap and live threads on a daemon thread and keeps the highest
 * values since the last {@link #reset()}: a high-water mark, as close as sampling gets.
 */
final class ResourceSampler implements AutoCloseable {

	private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

	private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private final Thread sampler;

	private volatile long heapHigh;

	private volatile int threadHigh;

	private volatile boolean running = true;

	ResourceSampler(long intervalMillis) {
		this.sampler = new Thread(() -> {
			while (this.running) {
				this.heapHigh = Math.max(this.heapHigh, this.memory.getHeapMemoryUsage().getUsed());
				this.threadHigh = Math.max(this.threadHigh, this.threads.getThreadCount());
				try {
					Thread.sleep(intervalMillis);
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "resource-sampler");
		this.sampler.setDaemon(true);
		this.sampler.start();
	}

	void reset() {
		this.heapHigh = 0;
		this.threadHigh = 0;
	}

	double heapHighMiB() {
		return this.heapHigh / (1024.0 * 1024);
	}

	int threadHigh() {
		return this.threadHigh;
	}

	@Override
	public void close() {
		this.running = false;
		this.sampler.interrupt();
	}

}
