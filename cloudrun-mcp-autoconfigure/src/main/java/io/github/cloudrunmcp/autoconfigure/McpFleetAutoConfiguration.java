package io.github.cloudrunmcp.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import com.google.cloud.ServiceOptions;
import com.google.cloud.firestore.Firestore;
import com.google.cloud.pubsub.v1.Publisher;
import io.github.cloudrunmcp.fleet.EventClaims;
import io.github.cloudrunmcp.fleet.FleetConnections;
import io.github.cloudrunmcp.fleet.FleetEventSource;
import io.github.cloudrunmcp.fleet.FleetResources;
import io.github.cloudrunmcp.fleet.FleetStreamHolder;
import io.github.cloudrunmcp.fleet.FleetSubscriber;
import io.github.cloudrunmcp.fleet.StreamLease;
import io.github.cloudrunmcp.server.McpConfigurationException;
import io.github.cloudrunmcp.server.McpDelivery;
import io.github.cloudrunmcp.server.McpTransportType;
import io.github.cloudrunmcp.stream.McpEventStreamFactory;
import tools.jackson.databind.ObjectMapper;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.annotation.Order;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Auto-configuration of the fleet that delivers the events of servers set to
 * {@code delivery: once} to one instance each, through Pub/Sub and Firestore.
 */
@AutoConfiguration(after = CloudRunMcpAutoConfiguration.class, before = McpEventStreamAutoConfiguration.class)
@ConditionalOnClass(name = { "com.google.cloud.pubsub.v1.Publisher", "com.google.cloud.firestore.Firestore" })
@ConditionalOnBooleanProperty(name = "cloudrun.mcp.stream.enabled", matchIfMissing = true)
@Conditional(McpFleetAutoConfiguration.OnOnceDelivery.class)
@EnableConfigurationProperties(McpFleetProperties.class)
public final class McpFleetAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	FleetConnections mcpFleetConnections(McpFleetProperties properties) {
		String projectId = properties.getProjectId();
		if (projectId == null) {
			projectId = ServiceOptions.getDefaultProjectId();
		}
		if (projectId == null) {
			throw new McpConfigurationException("cloudrun.mcp.fleet.project-id",
					"cloudrun.mcp.fleet.project-id is not set and the Google Cloud project could not be found.",
					"Set cloudrun.mcp.fleet.project-id to the project of the Pub/Sub topic and Firestore database.");
		}
		validateAckDeadlines(properties);
		FleetConnections connections = new FleetConnections(projectId, properties.getPubsubEmulatorHost(),
				properties.getFirestoreEmulatorHost(), properties.getFirestoreDatabase(), properties.getAckDeadline(),
				properties.getMaxAckExtension());
		if (properties.isCreateResources()) {
			FleetResources.create(connections, properties.getTopic(), properties.getSubscription(),
					properties.getDeadLetterTopic(), properties.getMaxDeliveryAttempts(),
					properties.isMessageOrdering(), properties.getRetryMinBackoff(), properties.getRetryMaxBackoff());
		}
		return connections;
	}

	private static void validateAckDeadlines(McpFleetProperties properties) {
		Duration deadline = properties.getAckDeadline();
		if (deadline.compareTo(Duration.ofSeconds(10)) < 0 || deadline.compareTo(Duration.ofSeconds(600)) > 0) {
			throw new McpConfigurationException("cloudrun.mcp.fleet.ack-deadline",
					"cloudrun.mcp.fleet.ack-deadline is " + deadline
							+ "; Pub/Sub takes ack deadlines from 10 s to 600 s.",
					"Set cloudrun.mcp.fleet.ack-deadline between 10s and 600s (default 20s).");
		}
		if (properties.getMaxAckExtension().compareTo(properties.getClaimTimeout()) <= 0) {
			throw new McpConfigurationException("cloudrun.mcp.fleet.max-ack-extension",
					"cloudrun.mcp.fleet.max-ack-extension (" + properties.getMaxAckExtension()
							+ ") is not longer than cloudrun.mcp.fleet.claim-timeout (" + properties.getClaimTimeout()
							+ "): a copy of an event another instance is handling is held until that claim times out.",
					"Set cloudrun.mcp.fleet.max-ack-extension longer than cloudrun.mcp.fleet.claim-timeout.");
		}
		Duration min = properties.getRetryMinBackoff();
		Duration max = properties.getRetryMaxBackoff();
		if (min.isNegative() || max.compareTo(Duration.ofSeconds(600)) > 0 || min.compareTo(max) > 0) {
			throw new McpConfigurationException("cloudrun.mcp.fleet.retry-min-backoff",
					"The retry backoff is from " + min + " to " + max
							+ "; Pub/Sub takes 0 s to 600 s, the minimum not above the maximum.",
					"Set cloudrun.mcp.fleet.retry-min-backoff and retry-max-backoff within 0s..600s, min <= max.");
		}
	}

	@Bean(destroyMethod = "close", autowireCandidate = false)
	Firestore mcpFleetFirestore(FleetConnections connections) {
		return connections.firestore();
	}

	@Bean(destroyMethod = "shutdown", autowireCandidate = false)
	Publisher mcpFleetPublisher(FleetConnections connections, McpFleetProperties properties) {
		return connections.publisher(properties.getTopic());
	}

	@Bean
	@ConditionalOnMissingBean
	EventClaims mcpFleetClaims(BeanFactory beanFactory, McpFleetProperties properties) {
		String instance = properties.getInstanceId();
		if (instance == null) {
			String revision = System.getenv("K_REVISION");
			instance = ((revision != null) ? revision : "instance") + "-"
					+ UUID.randomUUID().toString().substring(0, 8);
		}
		return new EventClaims(beanFactory.getBean("mcpFleetFirestore", Firestore.class),
				properties.getClaimCollection(), instance, properties.getClaimTimeout(), properties.getDedupWindow());
	}

	@Bean
	@ConditionalOnMissingBean
	FleetSubscriber mcpFleetSubscriber(FleetConnections connections, McpFleetProperties properties,
			ObjectProvider<FleetEventSource> sources, EventClaims claims, ObjectProvider<ObjectMapper> mappers) {
		Map<String, FleetEventSource> byServer = sources.orderedStream()
			.collect(Collectors.toMap(FleetEventSource::server, (source) -> source));
		return new FleetSubscriber(
				(receiver) -> connections.subscriber(properties.getSubscription(), receiver,
						properties.getMaxOutstanding(), properties.isMessageOrdering()),
				byServer, claims, McpEventStreamAutoConfiguration.eventMapper(mappers));
	}

	/**
	 * Registers, for each server delivered {@code once}, its {@link FleetEventSource}
	 * ({@code mcpFleetSource[-<name>]}), which feeds the server's {@code McpEventStream},
	 * and its {@link FleetStreamHolder} ({@code mcpFleetHolder[-<name>]}), which competes
	 * for the server's stream and publishes it while this instance holds it.
	 */
	@Bean
	@Order(McpServerBeans.STREAM_ORDER - 1)
	McpServerBeans mcpFleetBeans(CloudRunMcpProperties properties, McpFleetProperties fleet,
			ObjectProvider<McpEventStreamFactory> factory, BeanFactory beanFactory) {
		return (server, registry) -> {
			if (McpDeliveries.of(properties, server) != McpDelivery.ONCE) {
				return;
			}
			if (server.transport() == McpTransportType.STREAMABLE_HTTP) {
				throw new McpConfigurationException(McpDeliveries.property(server), "Server '" + server.name()
						+ "' speaks streamable-http, whose notifications belong to one MCP session and cannot be "
						+ "delivered 'once' across a fleet.",
						"Set " + McpDeliveries.property(server) + " to every-instance, or serve the events on an "
								+ "events-path stream with transport 'events'.");
			}
			FleetEventSource source = new FleetEventSource(server.name(), fleet.getMaxOutstanding());
			registry.register(McpDeliveries.FLEET_SOURCE, server, FleetEventSource.class, () -> source);
			registry.register(McpDeliveries.FLEET_HOLDER, server, FleetStreamHolder.class, () -> {
				StreamLease lease = new StreamLease(beanFactory.getBean("mcpFleetFirestore", Firestore.class),
						fleet.getLeaseCollection(), server.name(), beanFactory.getBean(EventClaims.class).instance(),
						fleet.getLeaseDuration());
				return new FleetStreamHolder(server.name(), lease,
						beanFactory.getBean("mcpFleetPublisher", Publisher.class),
						(dispatcher, resumeFrom) -> factory.getObject()
							.withDispatcher(dispatcher)
							.create(server, resumeFrom),
						source);
			});
		};
	}

	/**
	 * Matches when a configured server is delivered {@code once}.
	 */
	static final class OnOnceDelivery extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			boolean once = McpDeliveries.anyOnce(context.getEnvironment());
			return once ? ConditionOutcome.match("a server is delivered once")
					: ConditionOutcome.noMatch("no server is delivered once");
		}

	}

}
