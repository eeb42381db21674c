package dev.echostages.benchmarks.reference;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.LingeringClose;
import dev.echostages.common.Log;
import dev.echostages.common.Protocol;
import dev.echostages.common.ServerMain;
import dev.echostages.common.ServerOptions;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reference 2: the same echo on Netty's pure-Java NIO transport, what a reader would reach for.
 *
 * <p>Underneath it is stage 4's model, a selector loop, with Netty's engineering on top: pooled
 * buffers, one flush per read batch instead of one write per line, and write-buffer watermarks
 * (here the same 32/64 KiB as the stages) that switch reading off while a client's echo piles up.
 * The line limit is Netty's {@link LineBasedFrameDecoder} in fail-fast mode.
 *
 * <p>One event loop thread by default, like stage 4's single selector thread, so the two compare
 * like for like; {@code --event-loops N} gives it more.
 */
public final class NettyEchoServer implements EchoServer {

    public static CommandLine commandLine() {
        return new CommandLine("netty-echo", "Reference echo server: Netty NIO transport, per-line echo.")
                .intOption("--event-loops", 1, 1, 64, "event loop threads (each one a selector loop)");
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), NettyEchoServer::new);
    }

    private final Log log;
    private final int maxLine;
    private final EventLoopGroup group;
    private final Channel listener;

    public NettyEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.group = new MultiThreadIoEventLoopGroup(options.intValue("--event-loops"), NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Without half-closure Netty closes the channel at the client's EOF, failing the
                // echoes still queued; with it, we flush them and close ourselves.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(Protocol.LOW_WATER_MARK, Protocol.HIGH_WATER_MARK))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new LineFrames(maxLine), new EchoHandler());
                    }
                });
        try {
            listener = bootstrap.bind(options.bindAddress()).sync().channel();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("interrupted while binding", interrupted);
        } catch (Exception bindFailed) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw bindFailed instanceof IOException io ? io : new IOException(bindFailed);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void serve() throws IOException {
        listener.closeFuture().syncUninterruptibly();
        // Closing the group closes every client channel too.
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public void stop() {
        listener.close();
    }

    /**
     * Netty's line decoder, terminator kept. Its limit counts the line without the terminator,
     * ours with it, hence {@code maxLine - 1}. At end of stream it also hands on the unfinished
     * tail, because the contract echoes it.
     */
    private static final class LineFrames extends LineBasedFrameDecoder {
        LineFrames(int maxLine) {
            super(maxLine - 1, false, true);
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            super.decodeLast(ctx, in, out);
            if (in.isReadable()) {
                out.add(in.readRetainedSlice(in.readableBytes()));
            }
        }
    }

    /** Writes every line back; flushes once per read batch, the Netty idiom. */
    private final class EchoHandler extends ChannelInboundHandlerAdapter {
        /** Set once the server has decided to close: what the client still sends is read and dropped. */
        private boolean closing;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            log.event(ctx.channel().remoteAddress(), "connected");
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            log.event(ctx.channel().remoteAddress(), "disconnected");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object line) {
            if (closing) {
                ReferenceCountUtil.release(line); // drained, not echoed (LingeringClose, step 4)
                return;
            }
            ctx.write(line); // the buffer is released by the transport once written
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // Above the high mark Netty marks the channel unwritable: stop reading that client
            // until its echo drains below the low mark.
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            if (ctx.channel().isWritable()) {
                ctx.read();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                // The client closed its side; the decoder has passed on the tail already.
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Channel channel = ctx.channel();
            if (cause instanceof TooLongFrameException) {
                log.warn(channel.remoteAddress(), "line longer than " + maxLine + " bytes: sending an error and disconnecting");
                // The contract's lingering close (see common's LingeringClose): the echoes owed and
                // the reply, FIN, then keep reading and dropping until the client closes (the
                // input-shutdown event below closes the channel) or the deadline does. Closing
                // with unread input would make the kernel reset the connection, losing the reply.
                closing = true;
                ctx.writeAndFlush(Unpooled.wrappedBuffer(Protocol.lineTooLongReply(maxLine)))
                        .addListener(written -> ((SocketChannel) channel).shutdownOutput());
                ctx.executor().schedule(() -> channel.close(), LingeringClose.MAX_MILLIS, TimeUnit.MILLISECONDS);
            } else if (cause instanceof IOException lost) {
                log.event(channel.remoteAddress(), "connection lost: " + lost.getMessage());
                channel.close();
            } else {
                log.error(channel.remoteAddress(), "unexpected failure, closing this client", cause);
                channel.close();
            }
        }
    }
}
