package io.palimpsest.worker.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.Abortable;

/**
 * Bytes {@code [start, end)} of one stored object, read through as many requests as it takes. A
 * shard's input is read at the model's pace and sits unread through model outages; servers and
 * proxies close such slow or idle responses, and the SDK's URL-connection client then ends the body
 * early without an error (JDK-8335135). Through one GET a cut object would read as a shorter one.
 * Here a read that fails or ends before {@code end} is taken up again from the offset reached (the
 * opener pins the object, so a replaced one is an error, not a splice); only an end exactly at
 * {@code end} is an end. After {@code resumes} failures in a row with no byte between them the read
 * fails with an {@link ObjectReadException} naming object, offset and length. A store that is down
 * is waited for where the rest is asked for (the opener's {@link StoreGate}), not counted here.
 */
final class ResumingObjectStream extends InputStream {

    private static final Logger LOG = Logger.getLogger(ResumingObjectStream.class.getName());

    /** Opens the object's bytes from {@code offset} to its end. */
    interface Opener {
        InputStream openAt(long offset) throws IOException;
    }

    /**
     * The rest cannot be read as the rest of the same object (it is gone, is another object now, or
     * the store ignored the range): reading on would splice.
     */
    static final class NotResumable extends IOException {
        NotResumable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String name;
    private final long end;
    private final Opener opener;
    private final int resumes;
    private final Duration firstDelay;
    private InputStream current;
    private long position;
    private int failuresInARow;
    private boolean ended;

    /**
     * @param name    the object, for messages and logs ({@code s3://bucket/key})
     * @param first   the first response's body, positioned at {@code start}
     * @param end     where the object (or the range) ends, exclusive
     * @param resumes failures in a row (no byte read between them) that are taken up again
     */
    ResumingObjectStream(
            String name, InputStream first, long start, long end, Opener opener, int resumes, Duration firstDelay) {
        this.name = name;
        this.current = first;
        this.position = start;
        this.end = end;
        this.opener = opener;
        this.resumes = resumes;
        this.firstDelay = firstDelay;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (true) {
            if (ended) {
                return -1;
            }
            if (position >= end) {
                return atEnd(buffer, offset, length);
            }
            Throwable failure;
            try {
                if (current == null) {
                    current = opener.openAt(position);
                }
                int n = current.read(buffer, offset, (int) Math.min(length, end - position));
                if (n > 0) {
                    position += n;
                    failuresInARow = 0;
                    return n;
                }
                failure = null; // the body ended short of the object's length
            } catch (NotResumable e) {
                throw new ObjectReadException(e.getMessage(), e);
            } catch (StoreUnavailableException e) {
                throw e; // the store was down past the outage limit while the opener waited: not a cut
            } catch (StoreRefusedException | ObjectArchivedException e) {
                throw e; // the store refused the credentials, or the object is archived: asking again is answered the
                // same
            } catch (IOException | SdkException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e instanceof IOException io ? io : new InterruptedIOException(e.getMessage());
                }
                failure = e;
            }
            resumeAfter(failure);
        }
    }

    /**
     * Every byte is in; the body's own end is read too, so that what the client checks there (a
     * checksum) is checked. A failure here is not taken up again: there is nothing left to read. A connection
     * that broke after the last byte and before the body's end ({@link CutAnswerException}: a chunked answer's
     * closing chunk lost) is that end: every byte came, and nothing at the end is checked (the client asks the
     * store for no checksums of what it reads: {@code ResponseChecksumValidation.WHEN_REQUIRED}).
     */
    private int atEnd(byte[] buffer, int offset, int length) throws IOException {
        if (current != null) {
            int n;
            try {
                n = current.read(buffer, offset, length);
            } catch (CutAnswerException e) {
                abandonCurrent();
                ended = true;
                return -1;
            } catch (IOException | SdkException e) {
                throw new ObjectReadException(
                        "reading " + name + " failed at its end (" + end + " bytes): " + e.getMessage(), e);
            }
            if (n >= 0) {
                throw new ObjectReadException(name + " sent more than its " + end + " bytes", null);
            }
        }
        ended = true;
        return -1;
    }

    private void resumeAfter(Throwable failure) throws IOException {
        abandonCurrent();
        failuresInARow++;
        String what = failure == null ? "ended early" : "failed (" + failure.getMessage() + ")";
        if (failuresInARow > resumes) {
            throw new ObjectReadException(
                    "reading " + name + " " + what + " at offset " + position + " of " + end + " bytes, "
                            + failuresInARow + " times in a row; giving up",
                    failure);
        }
        Duration delay = firstDelay.multipliedBy(1L << (failuresInARow - 1));
        LOG.warning("reading " + name + " " + what + " at offset " + position + " of " + end + " bytes;"
                + " reading on from there in " + delay.toMillis() + " ms (resume " + failuresInARow + " of "
                + resumes + ")");
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to read on " + name);
        }
    }

    /** Drops a broken response without draining it (a drain would wait on the dead connection). */
    private void abandonCurrent() {
        InputStream broken = current;
        current = null;
        if (broken == null) {
            return;
        }
        try {
            if (broken instanceof Abortable abortable) {
                abortable.abort();
            }
            broken.close();
        } catch (IOException | RuntimeException ignored) {
            // the connection is gone already
        }
    }

    @Override
    public void close() throws IOException {
        ended = true;
        InputStream open = current;
        current = null;
        if (open != null) {
            open.close();
        }
    }
}
