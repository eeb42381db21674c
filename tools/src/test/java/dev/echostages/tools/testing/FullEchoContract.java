package dev.echostages.tools.testing;

import org.junit.jupiter.api.Nested;

/**
 * Both contract suites for a server that serves clients concurrently (stages 3 to 5 and the
 * reference servers): one client at a time, and many at once. A stage's test class extends this
 * and names its server once; JUnit runs the two nested suites against it.
 */
public abstract class FullEchoContract {
    private final ServerRecipe recipe;

    protected FullEchoContract(ServerRecipe recipe) {
        this.recipe = recipe;
    }

    @Nested
    class OneClientAtATime extends EchoContractTest {
        OneClientAtATime() {
            super(recipe);
        }
    }

    @Nested
    class ManyClientsAtOnce extends ConcurrentEchoContractTest {
        ManyClientsAtOnce() {
            super(recipe);
        }
    }
}
