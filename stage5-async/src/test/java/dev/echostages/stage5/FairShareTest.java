package dev.echostages.stage5;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pitfall 1's two rules, without a scheduler in the way: a turn ends after a budget of bytes served
 * while the socket still has more, and a turn's end lets every newcomer run first. The effect on
 * real clients is measured from outside and asserted, with a wide bound, in
 * {@code newcomerIsEchoedPromptlyWithOneCarrierAndTwentySaturatingClients}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FairShareTest {

    @Test
    void aTurnEndsAfterItsBudgetServedInARowAndStartsAgainWhenTheSocketRanDry() {
        FairShare share = new FairShare(1000);
        assertFalse(share.turnIsOver(600, false));
        assertFalse(share.turnIsOver(300, true), "ran dry: the count starts again");
        assertFalse(share.turnIsOver(600, false));
        assertTrue(share.turnIsOver(400, false), "1000 bytes in a row: the turn is over");
        assertFalse(share.turnIsOver(999, false), "a new turn begins with the next read");
    }

    @Test
    void aTurnsEndWaitsUntilEveryNewcomerHasRun() throws Exception {
        var newcomers = new FairShare.Newcomers();
        Runnable newcomer = newcomers.firstRun(() -> { });
        Thread busy = Thread.ofVirtual().start(newcomers::handOff);
        busy.join(30);
        assertTrue(busy.isAlive(), "the turn's end did not wait for the newcomer");
        Thread.ofVirtual().start(newcomer).join();
        busy.join(5_000);
        assertFalse(busy.isAlive(), "the newcomer ran, and the turn's end still waits");
    }

    @Test
    void aNewcomerThatNeverRunsHoldsTheOthersUpOnlyBriefly() throws Exception {
        var newcomers = new FairShare.Newcomers();
        newcomers.firstRun(() -> { }); // counted, never started: as if its start had failed
        long started = System.nanoTime();
        newcomers.handOff();
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(waitedMillis >= 90, "waited only " + waitedMillis + " ms for a newcomer that never ran");
    }

    @Test
    void withNoNewcomerATurnsEndDoesNotWait() throws Exception {
        var newcomers = new FairShare.Newcomers();
        newcomers.firstRun(() -> { }).run(); // started and running: no longer waited for
        long started = System.nanoTime();
        newcomers.handOff();
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(waitedMillis < 90, "waited " + waitedMillis + " ms with nobody to wait for");
    }
}
