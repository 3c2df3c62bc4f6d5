package io.github.cloudrunmcp.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.cloudrunmcp.test.FaultProxy.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class FaultProxyTests {

	private FakeEventServer server;

	private FaultProxy proxy;

	@BeforeEach
	void start() {
		this.server = new FakeEventServer().start();
		this.server.publishNumbered(50);
		URI origin = URI.create(this.server.origin());
		this.proxy = FaultProxy.to(origin.getHost(), origin.getPort()).start();
	}

	@AfterEach
	void stop() {
		this.proxy.stop();
		this.server.stop();
	}

	/** Send a GET for the event stream and return the connected socket. */
	private Socket get(String path) throws IOException {
		Socket socket = new Socket("127.0.0.1", this.proxy.port());
		socket.setSoTimeout(5000);
		OutputStream out = socket.getOutputStream();
		out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
			.getBytes(StandardCharsets.ISO_8859_1));
		out.flush();
		return socket;
	}

	/** Read until the text contains the marker, the stream ends, or it fails. */
	private static String readUntil(InputStream in, String marker, ByteArrayOutputStream seen) throws IOException {
		byte[] buffer = new byte[1024];
		while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
			int n = in.read(buffer);
			if (n < 0) {
				break;
			}
			seen.write(buffer, 0, n);
		}
		return seen.toString(StandardCharsets.UTF_8);
	}

	@Test
	void passesBytesThroughWithoutAFault() throws IOException {
		try (Socket socket = get("/events")) {
			String text = readUntil(socket.getInputStream(), "\"seq\":50}", new ByteArrayOutputStream());
			assertThat(text).startsWith("HTTP/1.1 200").contains("id: 1\n", "id: 50\n");
		}
		assertThat(this.proxy.connections()).isEqualTo(1);
	}

	@Test
	void resetsTheConnectionAfterTheGivenBytes() throws IOException {
		this.proxy.next(Fault.resetAfter(300));
		ByteArrayOutputStream seen = new ByteArrayOutputStream();
		try (Socket socket = get("/events")) {
			assertThatExceptionOfType(IOException.class)
				.isThrownBy(() -> readUntil(socket.getInputStream(), "\"seq\":50}", seen));
		}
		assertThat(seen.size()).isEqualTo(300);
	}

	@Test
	void cutsTheBodyShortWithACleanClose() throws IOException {
		this.proxy.next(Fault.cutAfter(250));
		try (Socket socket = get("/events")) {
			String text = readUntil(socket.getInputStream(), "\"seq\":50}", new ByteArrayOutputStream());
			assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSize(250);
		}
	}

	@Test
	void halfOpenConnectionGoesSilentButStaysOpen() throws IOException {
		this.proxy.next(Fault.halfOpenAfter(200));
		ByteArrayOutputStream seen = new ByteArrayOutputStream();
		try (Socket socket = get("/events")) {
			socket.setSoTimeout(500);
			assertThatExceptionOfType(SocketTimeoutException.class)
				.isThrownBy(() -> readUntil(socket.getInputStream(), "\"seq\":50}", seen));
		}
		assertThat(seen.size()).isEqualTo(200);
	}

	@Test
	void blackHoleAndMissingHeadersAnswerNothing() throws IOException {
		this.proxy.next(Fault.blackHole()).next(Fault.headersNeverCome());
		for (int i = 0; i < 2; i++) {
			ByteArrayOutputStream seen = new ByteArrayOutputStream();
			try (Socket socket = get("/events")) {
				socket.setSoTimeout(500);
				assertThatExceptionOfType(SocketTimeoutException.class)
					.isThrownBy(() -> readUntil(socket.getInputStream(), "HTTP", seen));
			}
			assertThat(seen.size()).isZero();
		}
		// The queued faults are used up: the next connection passes through.
		try (Socket socket = get("/events")) {
			assertThat(readUntil(socket.getInputStream(), "id: 1\n", new ByteArrayOutputStream()))
				.startsWith("HTTP/1.1 200");
		}
	}

	@Test
	void latencyDelaysTheResponse() throws IOException {
		this.proxy.always(Fault.latency(Duration.ofMillis(300)));
		long start = System.nanoTime();
		try (Socket socket = get("/events")) {
			readUntil(socket.getInputStream(), "HTTP", new ByteArrayOutputStream());
		}
		// A lower bound only: the delay is the fault's, never less.
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
	}

	@Test
	void bandwidthLimitSlowsTheResponse() throws IOException {
		this.proxy.always(Fault.bandwidth(1000));
		long start = System.nanoTime();
		try (Socket socket = get("/events")) {
			String text = readUntil(socket.getInputStream(), "id: 20\n", new ByteArrayOutputStream());
			// At 1000 bytes/s, the bytes read so far took at least (size / 1000) s, less
			// the first slice.
			long minimum = Math.max(0, (text.length() - 100) * 1000L / 1000);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(minimum));
		}
	}

	@Test
	void redirectsMakeChainsAndLoops() throws IOException {
		this.proxy.next(Fault.redirect(307, "/second")).next(Fault.redirect(301, "https://other.example/x"));
		try (Socket socket = get("/events")) {
			assertThat(readUntil(socket.getInputStream(), "\r\n\r\n", new ByteArrayOutputStream()))
				.startsWith("HTTP/1.1 307")
				.contains("Location: /second\r\n");
		}
		try (Socket socket = get("/second")) {
			assertThat(readUntil(socket.getInputStream(), "\r\n\r\n", new ByteArrayOutputStream()))
				.startsWith("HTTP/1.1 301")
				.contains("Location: https://other.example/x\r\n");
		}
		this.proxy.always(Fault.redirect(302, this.proxy.origin() + "/events"));
		for (int i = 0; i < 3; i++) {
			try (Socket socket = get("/events")) {
				assertThat(readUntil(socket.getInputStream(), "\r\n\r\n", new ByteArrayOutputStream()))
					.startsWith("HTTP/1.1 302");
			}
		}
	}

	@Test
	void resetAllResetsOpenConnections() throws IOException {
		try (Socket socket = get("/events")) {
			readUntil(socket.getInputStream(), "\"seq\":50}", new ByteArrayOutputStream());
			this.proxy.resetAll();
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> {
				// A reset shows as an error, or as the end of input on some platforms.
				if (socket.getInputStream().read() < 0) {
					throw new IOException("ended");
				}
			});
		}
	}

	@Test
	void badFaultsAreRefusedWithTheReason() {
		assertThatIllegalArgumentException().isThrownBy(() -> Fault.resetAfter(0))
			.withMessage("bytes must be at least 1, got 0");
		assertThatIllegalArgumentException().isThrownBy(() -> Fault.redirect(200, "/x"))
			.withMessage("status must be a 3xx redirect, got 200");
		assertThatIllegalArgumentException().isThrownBy(() -> Fault.redirect(302, "/x\r\nSet-Cookie: a=b"))
			.withMessage("location must be one line");
		assertThatIllegalArgumentException().isThrownBy(() -> Fault.bandwidth(1))
			.withMessage("bytesPerSecond must be at least 10, got 1");
	}

}
