package dev.echostages.stage5;

import dev.echostages.common.Bytes;
import dev.echostages.common.Clients;
import dev.echostages.common.Closer;
import dev.echostages.common.DebugCommand;
import dev.echostages.common.EchoSession;
import dev.echostages.common.LineFramer;
import dev.echostages.common.LingeringClose;
import dev.echostages.common.MemoryBudget;
import dev.echostages.common.Protocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a server does before its first {@code accept()} so that a burst of connections arriving
 * at start-up, one that uses every file descriptor, cannot break it for good (CONTRACT item 10).
 * The JDK and the class loader both do things lazily, on first use, and some of those need a
 * descriptor; a first use that fails for want of one leaves a class that failed to initialise,
 * and such a class stays failed. So the first use happens here, while descriptors are plentiful.
 */
final class BeforeTheFirstAccept {
    private BeforeTheFirstAccept() {
    }

    /** Both steps below, for the server whose connection classes are {@code connection}. */
    static void prepare(Class<?>... connection) throws IOException {
        buildThePoller();
        loadClasses(connection);
    }

    /**
     * Makes the JDK build its poller (epoll instances: file descriptors) now, not the first time a
     * virtual thread waits on a socket. If that first time is a burst that has used up every
     * descriptor, {@code sun.nio.ch.Poller} fails its class initialisation, and stays failed: every
     * later client gets {@code NoClassDefFoundError} until a restart. A read with a timeout always
     * parks on the poller, so one 1 ms read on a throwaway loopback connection does it.
     */
    static void buildThePoller() throws IOException {
        try (ServerSocket spare = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            IOException[] failure = new IOException[1];
            Thread reader = Thread.ofVirtual().name("poller-warm-up").start(() -> {
                try (Socket socket = new Socket(spare.getInetAddress(), spare.getLocalPort())) {
                    socket.setSoTimeout(1);
                    socket.getInputStream().read();
                } catch (SocketTimeoutException expected) {
                    // The point of the exercise: the thread parked on the poller for 1 ms.
                } catch (IOException unexpected) {
                    failure[0] = unexpected;
                }
            });
            reader.join();
            if (failure[0] != null) {
                throw failure[0];
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while warming up the poller", interrupted);
        }
    }

    /**
     * Loads and initialises now the classes that serving a client needs. Run from class files in
     * a directory (the tests, {@code exec:exec}), each class is a file opened on first use; if the
     * first client arrives in a burst that has taken every descriptor, that open fails, and a
     * class that failed to load stays failed: {@code NoClassDefFoundError} for every later client.
     * (From the jar nothing is opened: the jar is open already.) The out-of-descriptors lesson
     * fails if a class a connection needs is missing here.
     */
    static void loadClasses(Class<?>... classes) {
        List<Class<?>> all = new ArrayList<>(List.of(classes));
        for (Class<?> connection : classes) {
            all.addAll(List.of(connection.getDeclaredClasses())); // its callbacks and helper types
        }
        all.addAll(List.of(ConnectedClients.class, ConnectedClients.Client.class, EchoSession.class, EchoSession.LineHook.class,
                LineFramer.class, LineFramer.LineSink.class,
                LineFramer.LineRefusedException.class, LineFramer.LineTooLongException.class, LineFramer.OverBudgetException.class,
                Bytes.class, DebugCommand.class, DebugCommand.Kind.class, Closer.class, Clients.class, Protocol.class,
                MemoryBudget.class, MemoryBudget.Account.class, LingeringClose.class,
                Boom.class, ReadBuffer.class, FairShare.class, FairShare.Newcomers.class, DebugMode.class, DebugMode.Handler.class));
        for (Class<?> needed : all) {
            try {
                Class.forName(needed.getName(), true, needed.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new IllegalStateException("a class we hold is not found by its own name: " + needed, impossible);
            }
        }
    }

}
