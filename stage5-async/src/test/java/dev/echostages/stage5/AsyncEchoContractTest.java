package dev.echostages.stage5;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.ConcurrentEchoContractTest;
import dev.echostages.common.testing.EchoContractTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both stage 5 servers keep the whole echo contract, one client at a time and many at once: the
 * same two suites every stage runs, once per {@code --server}.
 */
@ParameterizedClass(name = "--server {0}")
@ValueSource(strings = {"virtual", "channels"})
class AsyncEchoContractTest {
    @Parameter
    String serverKind;

    @Nested
    class OneClientAtATime extends EchoContractTest {
        @Override
        protected CommandLine commandLine() {
            return AsyncEchoServer.commandLine();
        }

        @Override
        protected EchoServer.Factory factory() {
            return AsyncEchoServer.factory();
        }

        @Override
        protected String[] stageArgs() {
            return new String[] {"--server", serverKind};
        }
    }

    @Nested
    class ManyClientsAtOnce extends ConcurrentEchoContractTest {
        @Override
        protected CommandLine commandLine() {
            return AsyncEchoServer.commandLine();
        }

        @Override
        protected EchoServer.Factory factory() {
            return AsyncEchoServer.factory();
        }

        @Override
        protected String[] stageArgs() {
            return new String[] {"--server", serverKind, "--quiet"};
        }
    }
}
