package io.github.cloudrunmcp.auth;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets Jackson build a type's deserializer on a non-blocking thread: it does so once per
 * type, under a lock that another thread building one at the same moment may hold for
 * that long. The MCP SDK decodes results where they arrive, on the network thread, so the
 * first results of a type may meet that lock. Everything else stays watched.
 */
public final class JacksonBlockHoundIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("tools.jackson.databind.deser.DeserializerCache",
				"_createAndCacheValueDeserializer");
	}

}
