package dev.echostages.common.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The launcher's reading of Java versions, old style ("1.8") and new ("21"). */
class LauncherTest {

    @Test
    void readsTheFeatureReleaseOfOldAndNewVersionStrings() {
        assertEquals(8, Launcher.feature("1.8"));
        assertEquals(17, Launcher.feature("17"));
        assertEquals(21, Launcher.feature("21"));
        assertEquals(25, Launcher.feature("25.0"));
    }

    @Test
    void anUnreadableVersionIsLeftToTheJvmToJudge() {
        assertEquals(21, Launcher.feature("weird"));
    }
}
