package dev.echostages.common;

import java.io.Closeable;
import java.io.IOException;

/** Closing sockets and channels at the end of their life, where a failure changes nothing. */
public final class Closer {
    private Closer() {
    }

    /**
     * Closes {@code resource}. A failure to close a socket we are done with cannot be acted on,
     * but it is not hidden either: it is logged as a warning.
     */
    public static void close(Closeable resource, Log log) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (IOException failed) {
            log.warn("closing " + resource + " failed: " + failed);
        }
    }
}
