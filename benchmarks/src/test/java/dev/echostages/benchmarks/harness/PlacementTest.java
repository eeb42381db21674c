package dev.echostages.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {
    @Test
    void cpuListsReadLikeTheKernelWritesThem() {
        assertEquals(List.of(0, 1), Placement.parseCpuList("0-1"));
        assertEquals(List.of(2, 4, 5, 6), Placement.parseCpuList("2,4-6"));
        assertEquals(List.of(3), Placement.parseCpuList("3"));
    }
}
