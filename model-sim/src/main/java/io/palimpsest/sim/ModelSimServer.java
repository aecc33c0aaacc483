package io.palimpsest.sim;

import io.palimpsest.sim.engine.CapacityModel;
import io.palimpsest.sim.engine.Scheduler;
import io.palimpsest.sim.engine.VertxEngineClock;
import io.palimpsest.sim.faults.FaultInjector;
import io.palimpsest.sim.http.OutageControl;
import io.palimpsest.sim.http.SimRouter;
import io.palimpsest.sim.http.SimState;
import io.palimpsest.sim.metrics.SimMetrics;
import io.palimpsest.sim.rules.ResponseRules;
import io.palimpsest.sim.text.Tokenizer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * One simulated vLLM replica listening on {@code host:port}. Everything it does runs on one
 * event loop of a JVM-wide Vert.x, so many replicas fit in one test JVM.
 *
 * <pre>
 * try (ModelSimServer sim = ModelSimServer.start(SimConfig.builder().zeroLatency().build(), "127.0.0.1", 0)) {
 *     http.send(POST sim.baseUrl() + "/v1/chat/completions" ...);
 *     sim.requestLog().prompts();
 * }
 * </pre>
 */
public final class ModelSimServer implements AutoCloseable, OutageControl {
    private static final Logger LOG = Logger.getLogger(ModelSimServer.class.getName());
    private static final long BLOCKING_TIMEOUT_SECONDS = 30;

    private final SimConfig config;
    private final Vertx vertx;
    private final Context context;
    private final SimState state;
    private final SimRouter router;
    private final String host;
    private int port;
    private HttpServer server;
    /** The latest listen(): close() waits for a bind still under way so as to close what it opens. */
    private Future<Integer> listening = Future.succeededFuture(0);

    private long autoResumeTimer = -1;
    private long loadedTimer = -1;
    private volatile boolean closed;
    /** How often a draining server looks whether its engine is empty. */
    private static final long DRAIN_POLL_MILLIS = 50;

    private ModelSimServer(SimConfig config, String host) {
        this.config = config;
        this.host = host;
        this.vertx = SharedVertx.acquire();
        this.context = SharedVertx.newEventLoopContext(vertx);
        SimMetrics metrics = new SimMetrics(config.modelName(), config.maxModelLen());
        Scheduler scheduler = new Scheduler(config, new VertxEngineClock(vertx, context), metrics);
        ResponseRules rules = config.rulesFile().map(ResponseRules::load).orElse(ResponseRules.none());
        this.state = new SimState(
                config,
                vertx,
                context,
                scheduler,
                metrics,
                new RequestLog(config.requestLogCapacity()),
                new FaultInjector(config.faults()),
                rules);
        this.router = new SimRouter(state, this);
    }

    /** Starts listening; {@code port} 0 picks a free port (see {@link #port()}). */
    public static ModelSimServer start(SimConfig config, String host, int port) {
        // Before the port opens, as vLLM loads its tokenizer: the first request's count is not delayed.
        Tokenizer.warmUp();
        ModelSimServer sim = new ModelSimServer(config, host);
        try {
            sim.port = sim.onLoop(() -> sim.listen(port))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(BLOCKING_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException | RuntimeException e) {
            SharedVertx.release();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("model-sim could not listen on " + host + ":" + port, e);
        }
        if (!config.startupDelay().isZero()) {
            sim.await(sim::refuseWhileLoading);
        }
        // FINE: a simulated cluster starts dozens; Main prints the same line for a standalone run.
        LOG.fine(() -> "model-sim '" + config.modelName() + "' listening on " + sim.baseUrl() + "; "
                + CapacityModel.formula(config));
        return sim;
    }

    /** On 127.0.0.1 and a free port. */
    public static ModelSimServer start(SimConfig config) {
        return start(config, "127.0.0.1", 0);
    }

    public int port() {
        return port;
    }

    public String host() {
        return host;
    }

    /** E.g. {@code http://127.0.0.1:43567}, no trailing slash. */
    public String baseUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port;
    }

    public SimConfig config() {
        return config;
    }

    /** Decode tokens/s with a full batch; see {@link CapacityModel}. Infinite with zero latency. */
    public double capacityTokensPerSecond() {
        return CapacityModel.capacityTokensPerSecond(config);
    }

    public RequestLog requestLog() {
        return state.requestLog();
    }

    public FaultConfig faults() {
        return state.faults().config();
    }

    /** Replaces the fault rates; the draws restart from the new config's seed. */
    public void setFaults(FaultConfig faults) {
        state.faults().set(faults);
    }

    public ResponseRules rules() {
        return state.rules();
    }

    /** An outage with connections refused, until {@link #resume()}. */
    public void pause() {
        pause(OutageMode.REFUSE_CONNECTIONS);
    }

    public void pause(OutageMode mode) {
        await(() -> startOutage(mode, null));
    }

    /** An outage that ends by itself, e.g. {@code pauseFor(Duration.ofSeconds(30), REFUSE_CONNECTIONS)}. */
    public void pauseFor(Duration duration, OutageMode mode) {
        await(() -> startOutage(mode, duration));
    }

    public void resume() {
        await(this::stopOutage);
    }

    public boolean isPaused() {
        return state.outage() != null;
    }

    @Override
    public void beginOutage(OutageMode mode, Duration autoResume) {
        startOutage(mode, autoResume);
    }

    @Override
    public void endOutage() {
        stopOutage();
    }

    /**
     * Shutdown on SIGTERM as vLLM's HTTP server does it (uvicorn: "Waiting for connections to close";
     * vLLM 0.18+ bounds it with {@code --shutdown-timeout}): requests already in the engine run to
     * their end while new ones are refused (503) and {@code /health} fails, then the server closes.
     * Completes when the engine is empty or {@code max} is over (what is left then is aborted);
     * {@code max} zero closes at once.
     */
    public CompletableFuture<Void> drain(Duration max) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (max.isZero() || max.isNegative()) {
            close();
            done.complete(null);
            return done;
        }
        state.draining(true);
        long deadline = System.nanoTime() + max.toNanos();
        int[] emptyPolls = {0};
        context.runOnContext(start -> vertx.setPeriodic(DRAIN_POLL_MILLIS, timer -> {
            boolean empty = state.scheduler().runningCount() + state.scheduler().waitingCount() == 0;
            emptyPolls[0] = empty ? emptyPolls[0] + 1 : 0;
            // empty twice in a row: the last replies written are on their way out
            if (closed || emptyPolls[0] >= 2 || System.nanoTime() - deadline >= 0) {
                vertx.cancelTimer(timer);
                // close() waits on this loop: leave it first
                ForkJoinPool.commonPool().execute(() -> {
                    close();
                    done.complete(null);
                });
            }
        }));
        return done;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            await(() -> {
                cancelAutoResume();
                if (loadedTimer >= 0) {
                    vertx.cancelTimer(loadedTimer);
                }
                state.scheduler().abortAll();
                // a listen the loaded timer or an outage's end started may still be binding: once it
                // has, its server is closed too, before the shared Vert.x is released
                return listening.transform(bound -> server == null ? Future.succeededFuture() : server.close());
            });
        } finally {
            SharedVertx.release();
        }
    }

    private Future<Integer> listen(int wantedPort) {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(wantedPort)
                .setReuseAddress(true)
                .setTcpNoDelay(true)
                .setAcceptBacklog(4096)
                .setCompressionSupported(false);
        HttpServer created = vertx.createHttpServer(options).requestHandler(router);
        listening = created.listen().map(s -> {
            server = s;
            return s.actualPort();
        });
        return listening;
    }

    /**
     * Event loop only. vLLM binds its port before loading the model but listens only once the
     * engine is up, so while "loading" connections are refused; the port was taken first so that
     * {@link #port()} is known at once.
     */
    private Future<Void> refuseWhileLoading() {
        HttpServer closing = server;
        server = null;
        loadedTimer = vertx.setTimer(Math.max(1, config.startupDelay().toMillis()), t -> {
            loadedTimer = -1;
            if (!closed && server == null && state.outage() != OutageMode.REFUSE_CONNECTIONS) {
                listen(port);
            }
        });
        return closing.close();
    }

    /** Event loop only. */
    private Future<Void> startOutage(OutageMode mode, Duration autoResume) {
        cancelAutoResume();
        OutageMode previous = state.outage();
        state.outage(mode);
        if (autoResume != null) {
            autoResumeTimer = vertx.setTimer(Math.max(1, autoResume.toMillis()), t -> {
                autoResumeTimer = -1;
                stopOutage();
            });
        }
        LOG.info(
                () -> "model-sim " + baseUrl() + ": outage " + mode + (autoResume == null ? "" : " for " + autoResume));
        if (mode == OutageMode.REFUSE_CONNECTIONS && previous != OutageMode.REFUSE_CONNECTIONS && server != null) {
            HttpServer closing = server;
            server = null;
            return closing.close().onComplete(v -> state.scheduler().abortAll());
        }
        return Future.succeededFuture();
    }

    /** Event loop only. */
    private Future<Void> stopOutage() {
        cancelAutoResume();
        if (state.outage() == null || closed) {
            return Future.succeededFuture();
        }
        boolean relisten = server == null && loadedTimer < 0;
        state.outage(null);
        LOG.info(() -> "model-sim " + baseUrl() + ": outage over");
        return relisten ? listen(port).mapEmpty() : Future.succeededFuture();
    }

    private void cancelAutoResume() {
        if (autoResumeTimer >= 0) {
            vertx.cancelTimer(autoResumeTimer);
            autoResumeTimer = -1;
        }
    }

    /** Runs {@code action} on this server's event loop and waits for the future it returns. */
    private void await(Supplier<Future<?>> action) {
        if (Vertx.currentContext() == context) {
            throw new IllegalStateException("blocking call on the simulator's own event loop");
        }
        try {
            onLoop(() -> action.get().mapEmpty())
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(BLOCKING_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("model-sim " + baseUrl() + ": " + e.getMessage(), e);
        }
    }

    private <T> Future<T> onLoop(Supplier<Future<T>> action) {
        Promise<T> promise = Promise.promise();
        context.runOnContext(v -> {
            try {
                action.get().onComplete(promise);
            } catch (RuntimeException e) {
                promise.fail(e);
            }
        });
        return promise.future();
    }
}
