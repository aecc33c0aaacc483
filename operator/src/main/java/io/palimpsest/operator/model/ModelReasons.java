package io.palimpsest.operator.model;

/** Condition reasons specific to RewriterModel (the shared ones are in io.palimpsest.api.common.Conditions). */
public final class ModelReasons {
    public static final String DOWNLOADING_WEIGHTS = "DownloadingWeights";
    public static final String ROLLOUT_STUCK = "ProgressDeadlineExceeded";
    public static final String SCALING = "Scaling";
    public static final String SCALED_OBJECT_FAILED = "ScaledObjectFailed";
    public static final String ENDPOINT_UNKNOWN = "EndpointNotCheckedYet";
    public static final String AS_EXPECTED = "AsExpected";

    private ModelReasons() {
    }
}
