package dev.echostages.benchmarks.reference;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.Log;
import dev.echostages.common.ServerMain;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CountDownLatch;

/**
 * The bare model of stage 5's channels server: NIO.2 completion handlers, a read that completes
 * into a write that completes into the next read. No logging, no limits, no fairness budget: the
 * yardstick for what the teaching code costs.
 */
public final class BareNio2EchoServer implements EchoServer {
    public static CommandLine commandLine() {
        return new CommandLine("bare-nio2", "Reference: bare NIO.2 completion handlers, no logging, no limits.");
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), BareNio2EchoServer::new);
    }

    private final AsynchronousServerSocketChannel listener = AsynchronousServerSocketChannel.open();
    private final CountDownLatch stopped = new CountDownLatch(1);

    public BareNio2EchoServer(ServerOptions options, Log log) throws IOException {
        listener.bind(options.bindAddress(), 1024);
    }

    @Override
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException closed) {
            throw new IllegalStateException("the listener is closed", closed);
        }
    }

    @Override
    public void serve() throws IOException {
        listener.accept(null, new CompletionHandler<AsynchronousSocketChannel, Void>() {
            @Override
            public void completed(AsynchronousSocketChannel client, Void unused) {
                listener.accept(null, this);
                new Conversation(client).start();
            }

            @Override
            public void failed(Throwable closed, Void unused) {
                stopped.countDown(); // the listener was closed by stop()
            }
        });
        try {
            stopped.await();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while serving", interrupted);
        }
    }

    /** One client: read, write what the read completed, read again; at end of stream write the tail and close. */
    private static final class Conversation implements CompletionHandler<Integer, ByteBuffer> {
        private final AsynchronousSocketChannel client;
        private final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        private final BareLines lines = new BareLines();
        private boolean ended;

        Conversation(AsynchronousSocketChannel client) {
            this.client = client;
        }

        void start() {
            try {
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                client.read(buffer.clear(), null, this);
            } catch (IOException lost) {
                close();
            }
        }

        /** A read completed (attachment null) or a write did (attachment: what it was writing). */
        @Override
        public void completed(Integer count, ByteBuffer writing) {
            if (writing != null) {
                if (writing.hasRemaining()) {
                    client.write(writing, writing, this);
                } else if (ended) {
                    close();
                } else {
                    client.read(buffer.clear(), null, this);
                }
                return;
            }
            ended = count < 0;
            ByteBuffer echo = ended ? lines.rest() : lines.take(buffer.flip());
            if (echo == null) {
                client.read(buffer.clear(), null, this);
            } else {
                client.write(echo, echo, this);
            }
        }

        @Override
        public void failed(Throwable lost, ByteBuffer writing) {
            close(); // a reset ends this client only; a bare server says nothing about it
        }

        private void close() {
            try {
                client.close();
            } catch (IOException ignored) {
                // Closing only fails on a broken socket, which is closed all the same.
            }
        }
    }

    @Override
    public void stop() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // Closing only fails on a broken socket, which is closed all the same.
        }
        stopped.countDown();
    }
}
