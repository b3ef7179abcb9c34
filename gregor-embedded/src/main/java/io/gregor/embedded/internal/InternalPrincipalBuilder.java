package io.gregor.embedded.internal;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.security.auth.AuthenticationContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.KafkaPrincipalSerde;
import org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder;

/**
 * The principal builder of the embedded broker's own plaintext listeners (inter-broker, controller,
 * the deployment's admin client): every connection there is {@code User:gregor-embedded}, which the
 * broker's {@code super.users} names when it has an authorizer. Clients never reach these
 * listeners; their listener keeps Kafka's default principal builder.
 *
 * <p>Principals forwarded from other listeners (inside envelope requests) are read and written in
 * Kafka's default format.
 */
public final class InternalPrincipalBuilder implements KafkaPrincipalBuilder, KafkaPrincipalSerde {
  /** {@code User:gregor-embedded}. */
  public static final KafkaPrincipal PRINCIPAL =
      new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "gregor-embedded");

  private final DefaultKafkaPrincipalBuilder serde = new DefaultKafkaPrincipalBuilder(null, null);

  /** Called by Kafka, by reflection. */
  public InternalPrincipalBuilder() {}

  @Override
  public KafkaPrincipal build(AuthenticationContext context) {
    return PRINCIPAL;
  }

  @Override
  public byte[] serialize(KafkaPrincipal principal) throws SerializationException {
    return serde.serialize(principal);
  }

  @Override
  public KafkaPrincipal deserialize(byte[] bytes) throws SerializationException {
    return serde.deserialize(bytes);
  }
}
