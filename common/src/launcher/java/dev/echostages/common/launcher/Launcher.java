package dev.echostages.common.launcher;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Main-Class} of every stage's runnable jar: it checks that the {@code java} running it
 * is 21 or newer, then hands over to the stage's own main class, named in the jar's manifest as
 * {@code Stage-Main-Class}.
 *
 * <p>Why it exists: the stages are compiled for Java 21, and an older {@code java} refuses them
 * with {@code UnsupportedClassVersionError ... class file version 65.0}, which tells a student
 * nothing about what to do. This one class is compiled for Java 8 (its own source folder and
 * compiler execution, see common/pom.xml), so any {@code java} from the last ten years can load
 * it and say in plain words which Java is needed, which one was found, and how to run the jar.
 *
 * <p>Written in Java 8 on purpose: no {@code var}, no {@code List.of}, no records.
 */
public final class Launcher {
    private static final int REQUIRED = 21;
    private static final Pattern RELEASE_VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)(?:\\.(\\d+))?");

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        File jar = new File(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String stageMain = jar.isFile() ? stageMainClass(jar) : null;
        if (stageMain == null) {
            System.err.println("Launcher starts the class named Stage-Main-Class in its jar's manifest,"
                    + " but " + jar + " names none: run a stage's jar (java -jar stageN-.../target/stageN-....jar)");
            System.exit(1);
        }
        String running = System.getProperty("java.specification.version");
        if (feature(running) < REQUIRED) {
            System.err.println(wrongJava(jar));
            System.exit(1);
        }
        Method main = Class.forName(stageMain).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException failed) {
            throw failed.getCause(); // the stage's own exception, not the reflection wrapper around it
        }
    }

    private static String stageMainClass(File jar) throws IOException {
        try (JarFile jarFile = new JarFile(jar)) {
            return jarFile.getManifest() == null ? null : jarFile.getManifest().getMainAttributes().getValue("Stage-Main-Class");
        }
    }

    private static String wrongJava(File jar) {
        String module = jar.getName().replaceFirst("\\.jar$", "");
        String jarPath = shortPath(jar);
        String found = newestJdk();
        StringBuilder text = new StringBuilder();
        text.append(module).append(" needs Java ").append(REQUIRED).append(" or newer, but this java is Java ")
                .append(System.getProperty("java.version")).append(" (java.home ")
                .append(System.getProperty("java.home")).append(").\n");
        if (found != null) {
            String java = found.contains(" ") ? '"' + found + '"' : found;
            text.append("A JDK ").append(REQUIRED).append("+ is installed here; run the jar with its java:\n  ")
                    .append(java).append(" -jar ").append(jarPath).append('\n');
        } else {
            text.append("Run the jar with the java of a JDK ").append(REQUIRED).append(" or newer:\n  /path/to/jdk-")
                    .append(REQUIRED).append("/bin/java -jar ").append(jarPath).append('\n');
        }
        text.append("or let Maven find a JDK ").append(REQUIRED).append("+ by itself (see README.md, Prerequisites):\n  ")
                .append(File.separatorChar == '\\' ? "mvnw.cmd" : "./mvnw").append(" -q -pl ").append(module).append(" -am package -DskipTests exec:exec");
        return text.toString();
    }

    /** "1.8" (Java 8 and older) or "17", "21": the feature release number. */
    static int feature(String specificationVersion) {
        String version = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        try {
            return Integer.parseInt(version.replaceFirst("\\..*", ""));
        } catch (NumberFormatException unknown) {
            return REQUIRED; // an unparseable version: let the JVM itself judge the class files
        }
    }

    /**
     * The java binary of the newest JDK 21+ in the places the build's toolchain search also looks
     * (JAVA_HOME and the JAVA_HOME_* variables CI sets, the usual install folders), or null.
     */
    private static String newestJdk() {
        List<File> homes = new ArrayList<File>();
        for (Map.Entry<String, String> variable : System.getenv().entrySet()) {
            if (variable.getKey().startsWith("JAVA_HOME")) {
                homes.add(new File(variable.getValue()));
            }
        }
        String home = System.getProperty("user.home");
        for (String parent : new String[] {"/usr/lib/jvm", "/usr/java", "/opt/java", home + "/.sdkman/candidates/java",
                "/Library/Java/JavaVirtualMachines", "C:\\Program Files\\Java", "C:\\Program Files\\Eclipse Adoptium",
                "C:\\Program Files\\Microsoft", "C:\\Program Files\\Zulu"}) {
            File[] children = new File(parent).listFiles();
            for (File child : children == null ? new File[0] : children) {
                homes.add(child);
                homes.add(new File(child, "Contents/Home")); // macOS bundles
            }
        }
        String best = null;
        int bestVersion = REQUIRED - 1;
        for (File jdk : homes) {
            int version = releaseVersion(new File(jdk, "release"));
            File java = new File(jdk, File.separatorChar == '\\' ? "bin\\java.exe" : "bin/java");
            if (version > bestVersion && java.isFile()) {
                best = java.getPath();
                bestVersion = version;
            }
        }
        return best;
    }

    /** The feature version in a JDK's {@code release} file ({@code JAVA_VERSION="21.0.2"}), or -1. */
    private static int releaseVersion(File release) {
        if (!release.isFile()) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(release.toPath(), StandardCharsets.UTF_8)) {
                Matcher version = RELEASE_VERSION.matcher(line);
                if (version.find()) {
                    return feature(version.group(1) + (version.group(2) == null ? "" : "." + version.group(2)));
                }
            }
        } catch (IOException unreadable) {
            // Not a JDK we can use; the search goes on with the next folder.
        }
        return -1;
    }

    /** The jar's path relative to the current folder when it lies below it, as the student typed it. */
    private static String shortPath(File jar) {
        try {
            Path here = Paths.get("").toAbsolutePath();
            Path path = jar.toPath().toAbsolutePath();
            return path.startsWith(here) ? here.relativize(path).toString() : path.toString();
        } catch (RuntimeException odd) {
            return jar.getPath(); // a path we cannot relativize is still a correct path
        }
    }
}
