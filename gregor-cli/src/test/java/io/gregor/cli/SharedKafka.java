package io.gregor.cli;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One in-process broker for every CLI test class in the run (each CLI process costs a JVM start; a
 * broker per class would cost more), and names unique to each test.
 *
 * <p>The broker does not create topics automatically, as production clusters usually don't: tests
 * create their topics, and the unknown-topic cases see what a user would.
 */
final class SharedKafka implements ParameterResolver {
  private static final Namespace NAMESPACE = Namespace.create(SharedKafka.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    var type = parameter.getParameter().getType();
    return type == EmbeddedKafka.class || type == TestNames.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (parameter.getParameter().getType() == EmbeddedKafka.class) {
      return context
          .getRoot()
          .getStore(NAMESPACE)
          .computeIfAbsent(
              EmbeddedKafka.class,
              type ->
                  EmbeddedKafka.builder()
                      .brokerConfig("auto.create.topics.enable", "false")
                      .start(),
              EmbeddedKafka.class);
    }
    return context
        .getStore(NAMESPACE)
        .computeIfAbsent(
            TestNames.class,
            type ->
                TestNames.unique(
                    context.getTestClass().map(Class::getSimpleName).orElse("cli")
                        + context
                            .getTestMethod()
                            .map(Method::getName)
                            .map(m -> "-" + m)
                            .orElse("")),
            TestNames.class);
  }
}
