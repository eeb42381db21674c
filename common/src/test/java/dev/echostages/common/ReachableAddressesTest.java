package dev.echostages.common;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** What a server on the wildcard address prints for a class to type: this machine's other addresses. */
class ReachableAddressesTest {
    @Test
    void onTheWildcardTheServerListsAddressesAnotherMachineCanType() throws Exception {
        for (String wildcard : new String[] {"0.0.0.0", "::"}) {
            for (String entry : ServerMain.reachableAt(InetAddress.getByName(wildcard), 8000)) {
                // "192.0.2.2:8000 (eth0)", "[fd00::2]:8000 (eth0)": no loopback, no %scope, IPv4 only for 0.0.0.0.
                String typed = entry.substring(0, entry.indexOf(' '));
                assertTrue(typed.endsWith(":8000") && !typed.contains("%"), entry);
                InetAddress address = InetAddress.getByName(typed.substring(0, typed.lastIndexOf(':')));
                assertTrue(!address.isLoopbackAddress() && !address.isLinkLocalAddress(), entry);
                assertTrue(wildcard.equals("::") || address instanceof Inet4Address, entry);
            }
        }
    }
}
