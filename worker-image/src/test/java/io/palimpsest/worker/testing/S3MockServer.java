package io.palimpsest.worker.testing;

import com.adobe.testing.s3mock.junit5.S3MockExtension;

/** S3Mock (a real S3 API server) for a test class, with the buckets {@code corpus} and {@code out}. */
public final class S3MockServer {

    private S3MockServer() {}

    /** Use as {@code @RegisterExtension static final S3MockExtension S3 = S3MockServer.extension();}. */
    public static S3MockExtension extension() {
        // S3Mock is a Spring Boot app that insists on Logback; the worker logs through slf4j-jdk14
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        // hadoop-client-runtime registers its shaded, older Woodstox as the StAX provider; S3Mock needs the real one
        System.setProperty("javax.xml.stream.XMLOutputFactory", "com.ctc.wstx.stax.WstxOutputFactory");
        System.setProperty("javax.xml.stream.XMLInputFactory", "com.ctc.wstx.stax.WstxInputFactory");
        return S3MockExtension.builder()
                .silent()
                .withSecureConnection(false)
                .withInitialBuckets("corpus", "out")
                .build();
    }
}
