package dev.echostages.common;

import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One budget for the bytes a server holds for all its clients together: unfinished lines and
 * unsent echo (CONTRACT item 14, stages 2 to 5).
 *
 * <p>Why: every client's memory is bounded ({@code --max-line} for a line, the watermarks for the
 * echo), but a hundred clients each sending a legal 40 MB line under {@code --max-line 64 MiB}
 * need 4 GB together, and the server dies of {@link OutOfMemoryError} with all of them. So the
 * sum has a limit too ({@code --max-buffered-mib}, a quarter of the heap unless told). When it is
 * exceeded, the client holding the most is told so in one line and closed, as Redis 7 does with
 * {@code maxmemory-clients}: the one that costs the most goes, everybody else carries on.
 *
 * <p>Each client has an {@link Account}; its {@link LineFramer} and {@link EchoSession} report
 * their arrays growing and shrinking. The budget only picks and flags the client: the client's
 * own session sees the flag ({@link Account#overBudget()}), logs the reason in one line, drops its
 * unfinished line and closes by the rule of {@link LingeringClose}. A client flagged while it sits idle is woken through the
 * {@code wake} action its stage gave the account.
 */
public final class MemoryBudget {
    /** A quarter of the heap: room for the rest of the server, garbage included. */
    public static long defaultLimit() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    private static final MemoryBudget UNLIMITED = new MemoryBudget(Long.MAX_VALUE);

    /** No limit: for stage 1, which holds one client's line at a time, and for unit tests. */
    public static MemoryBudget unlimited() {
        return UNLIMITED;
    }

    /** Declares {@code --max-buffered-mib} on a stage's command line (stages 2 to 5). */
    public static CommandLine option(CommandLine commandLine) {
        return commandLine.intOption("--max-buffered-mib", 0, 0, 1024 * 1024,
                "MiB all clients together may hold (lines begun, echo unsent); over it, the client holding the most"
                        + " is closed; 0 = a quarter of the heap (" + defaultLimit() / (1024 * 1024) + " MiB here)");
    }

    /** The budget {@code --max-buffered-mib} asks for. */
    public static MemoryBudget from(ServerOptions options) {
        int mebibytes = options.intValue("--max-buffered-mib");
        return new MemoryBudget(mebibytes == 0 ? defaultLimit() : mebibytes * 1024L * 1024);
    }

    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final Set<Account> accounts = ConcurrentHashMap.newKeySet();

    public MemoryBudget(long limit) {
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }

    public long used() {
        return used.get();
    }

    /** A new client's account; {@code wake} makes its stage look at the client soon (may be a no-op). */
    public Account open(SocketAddress client, Runnable wake) {
        var account = new Account(client, wake);
        if (limit != Long.MAX_VALUE) {
            accounts.add(account);
        }
        return account;
    }

    private void overdrawn(Account grower) {
        Account largest = grower;
        for (Account account : accounts) {
            if (account.overBudget && account.held > 0) {
                return; // one is on its way out already: what it frees brings the sum back down
            }
            if (account.held > largest.held) {
                largest = account;
            }
        }
        largest.reason = "holds " + largest.held / 1024 + " KiB, the most of any client, while all together hold "
                + used.get() / 1024 + " KiB, over --max-buffered-mib " + limit / (1024 * 1024);
        largest.overBudget = true;
        if (largest != grower) { // the grower hears of it from its own framer; another client must be woken
            largest.wake.run();
        }
    }

    /** What one client holds. Only its own connection changes it; the budget only reads it. */
    public final class Account {
        private final SocketAddress client;
        private final Runnable wake;
        private volatile long held;
        private volatile boolean overBudget;
        private volatile String reason;

        private Account(SocketAddress client, Runnable wake) {
            this.client = client;
            this.wake = wake;
        }

        /** The client's arrays grew (or, negative, shrank) by {@code bytes}. */
        public void resize(long bytes) {
            if (bytes == 0 || limit == Long.MAX_VALUE) {
                return;
            }
            held += bytes;
            if (used.addAndGet(bytes) > limit && bytes > 0) {
                overdrawn(this);
            }
        }

        /** True once the budget chose this client to close. */
        public boolean overBudget() {
            return overBudget;
        }

        /** Why the budget chose it, in numbers, for the log line that names it. */
        public String reason() {
            return reason;
        }

        public long held() {
            return held;
        }

        /** The connection is closed: what it held goes back to the budget. */
        public void close() {
            if (accounts.remove(this) || limit == Long.MAX_VALUE) {
                used.addAndGet(-held);
                held = 0;
            }
        }
    }
}
