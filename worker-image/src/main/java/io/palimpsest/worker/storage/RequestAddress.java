package io.palimpsest.worker.storage;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Where a client sends its requests, as the SDK resolved it ({@code https://corpus.s3.eu-west-1.amazonaws.com}
 * when no endpoint is set): the address a message about a store that does not answer names.
 */
final class RequestAddress implements ExecutionInterceptor {

    private volatile String address;

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
        URI uri = context.httpRequest().getUri();
        address = uri.getScheme() + "://" + uri.getRawAuthority();
    }

    /** The scheme, host and port of the latest request sent; empty before the first. */
    Optional<String> latest() {
        return Optional.ofNullable(address);
    }
}
