package dev.echostages.benchmarks.reference;

import dev.echostages.tools.testing.FullEchoContract;
import dev.echostages.tools.testing.ServerRecipe;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two reference servers keep the same echo contract as the stages, so the benchmarks compare
 * like with like. They are also the proof that the contract suites themselves are right: servers
 * known to be correct pass them.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("referenceServers")
class ReferenceServersKeepTheContractTest extends FullEchoContract {
    ReferenceServersKeepTheContractTest(String name, ServerRecipe recipe) {
        super(recipe);
    }

    static Stream<Arguments> referenceServers() {
        return Stream.of(
                Arguments.of("thread per connection",
                        ServerRecipe.of(ThreadPerConnectionEchoServer.commandLine(), ThreadPerConnectionEchoServer::new)),
                Arguments.of("netty", ServerRecipe.of(NettyEchoServer.commandLine(), NettyEchoServer::new)));
    }
}
