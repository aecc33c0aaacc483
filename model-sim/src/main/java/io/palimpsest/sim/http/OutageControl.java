package io.palimpsest.sim.http;

import io.palimpsest.sim.OutageMode;
import java.time.Duration;

/** What the admin API may ask of the server that owns the listening socket. */
public interface OutageControl {
    /** Starts an outage; when {@code autoResume} is not null it ends by itself after that long. */
    void beginOutage(OutageMode mode, Duration autoResume);

    void endOutage();
}
