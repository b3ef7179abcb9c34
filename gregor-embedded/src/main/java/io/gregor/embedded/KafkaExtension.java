package io.gregor.embedded;

import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit extension that gives tests a real Kafka broker and names of their own.
 *
 * <pre>{@code
 * @ExtendWith(KafkaExtension.class)
 * class OrdersTest {
 *   @Test
 *   void acceptsAnOrder(EmbeddedKafka kafka, TestNames names) {
 *     kafka.createTopic(names.topic(), 3);
 *     ... bootstrap.servers = kafka.bootstrapServers(), group.id = names.group() ...
 *   }
 * }
 * }</pre>
 *
 * <p>It resolves two parameter types, in test methods, lifecycle methods and constructors:
 *
 * <ul>
 *   <li>{@link EmbeddedKafka}: ONE broker for the whole test run, started when a test first asks
 *       for it and closed when the run ends (it lives in JUnit's root store, which closes {@link
 *       AutoCloseable} values; JUnit 5.13 or later). Tests must not close it. Set the configuration
 *       parameter {@code gregor.kafka.verbose=true} (for example in {@code
 *       junit-platform.properties}) for Kafka's INFO logs.
 *   <li>{@link TestNames}: topic and group names unique to the test method (one instance per method
 *       invocation, shared by its parameters and lifecycle methods).
 * </ul>
 *
 * <p>Because tests share the broker, each test should use its own topics and groups, which is what
 * {@link TestNames} is for.
 */
public final class KafkaExtension implements ParameterResolver {
  /** The configuration parameter that turns on Kafka's INFO logs. */
  public static final String VERBOSE_PARAMETER = "gregor.kafka.verbose";

  private static final Namespace NAMESPACE = Namespace.create(KafkaExtension.class);

  /** Created by JUnit. */
  public KafkaExtension() {}

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    var type = parameter.getParameter().getType();
    return type == EmbeddedKafka.class || type == TestNames.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (parameter.getParameter().getType() == EmbeddedKafka.class) {
      return broker(context);
    }
    return context
        .getStore(NAMESPACE)
        .computeIfAbsent(TestNames.class, type -> names(context), TestNames.class);
  }

  private static EmbeddedKafka broker(ExtensionContext context) {
    boolean verbose =
        context
            .getConfigurationParameter(VERBOSE_PARAMETER)
            .map(Boolean::parseBoolean)
            .orElse(false);
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .computeIfAbsent(
            EmbeddedKafka.class,
            type -> EmbeddedKafka.builder().verbose(verbose).start(),
            EmbeddedKafka.class);
  }

  private static TestNames names(ExtensionContext context) {
    var base = context.getTestClass().map(Class::getSimpleName).orElse("test");
    var method = context.getTestMethod().map(Method::getName);
    return TestNames.unique(method.map(m -> base + "-" + m).orElse(base));
  }
}
