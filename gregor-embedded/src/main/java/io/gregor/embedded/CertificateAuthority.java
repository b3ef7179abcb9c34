package io.gregor.embedded;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made up on the spot, in memory: the one an {@link EmbeddedKafka} with
 * {@link EmbeddedKafka.Builder#tls()} signs its certificate with. Nothing is written to disk and no
 * key is shipped; each instance has a fresh EC P-256 key pair, valid for a day.
 *
 * <p>Public so that tests can make a CA that a broker does <em>not</em> trust or is not signed by:
 *
 * <pre>{@code
 * var untrusted = new HashMap<>(kafka.clientScramConfig("alice", "alice-secret"));
 * untrusted.put("ssl.truststore.certificates", CertificateAuthority.generate().certificatePem());
 * }</pre>
 */
public final class CertificateAuthority {
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyPair keyPair;
  private final X509Certificate certificate;

  private CertificateAuthority(KeyPair keyPair, X509Certificate certificate) {
    this.keyPair = keyPair;
    this.certificate = certificate;
  }

  /**
   * A new CA with a fresh key pair and a self-signed certificate.
   *
   * @throws IllegalStateException when the JDK cannot make EC keys (it always can)
   */
  public static CertificateAuthority generate() {
    var keyPair = newKeyPair();
    var name = new X500Name("CN=Gregor embedded Kafka test CA " + Long.toHexString(serial()));
    var builder = certificateBuilder(name, name, keyPair);
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(
              Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot build a CA certificate", e);
    }
    return new CertificateAuthority(keyPair, sign(builder, keyPair));
  }

  /** The CA's certificate in PEM, what a client's {@code ssl.truststore.certificates} takes. */
  public String certificatePem() {
    return pem("CERTIFICATE", encoded(certificate));
  }

  @Override
  public String toString() {
    return "CertificateAuthority[" + certificate.getSubjectX500Principal().getName() + "]";
  }

  /**
   * A server certificate for 127.0.0.1 and localhost, signed by this CA.
   *
   * @return the certificate chain (server, then CA) and the private key, both in PEM
   */
  ServerCertificate issueServerCertificate() {
    var keyPair = newKeyPair();
    var builder =
        certificateBuilder(
            new X500Name(certificate.getSubjectX500Principal().getName()),
            new X500Name("CN=localhost"),
            keyPair);
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(
              Extension.subjectAlternativeName,
              false,
              new GeneralNames(
                  new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, NodeSpec.HOST),
                    new GeneralName(GeneralName.dNSName, "localhost")
                  }))
          .addExtension(
              Extension.keyUsage,
              true,
              new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot build a server certificate", e);
    }
    var server = sign(builder, this.keyPair);
    return new ServerCertificate(
        pem("CERTIFICATE", encoded(server)) + pem("CERTIFICATE", encoded(certificate)),
        pem("PRIVATE KEY", keyPair.getPrivate().getEncoded()));
  }

  /**
   * A server's certificate chain and its unencrypted PKCS#8 private key, in PEM: what Kafka's
   * {@code ssl.keystore.certificate.chain} and {@code ssl.keystore.key} take.
   */
  record ServerCertificate(String chainPem, String keyPem) {
    @Override
    public String toString() {
      return "ServerCertificate[key hidden]";
    }
  }

  private static X509v3CertificateBuilder certificateBuilder(
      X500Name issuer, X500Name subject, KeyPair keyPair) {
    var now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(serial()),
        Date.from(now.minus(Duration.ofMinutes(5))), // tolerate clocks a little apart
        Date.from(now.plus(VALIDITY)),
        subject,
        keyPair.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) {
    try {
      var signed = builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate()));
      return new JcaX509CertificateConverter().getCertificate(signed);
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a certificate", e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      var generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC key pair", e);
    }
  }

  private static long serial() {
    return RANDOM.nextLong() & Long.MAX_VALUE;
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encode a certificate", e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
