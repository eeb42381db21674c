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
import java.util.Arrays;
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
 * <p>It is also where the {@code ./run} and {@code run.cmd} scripts ask their two questions, so that
 * the search for a JDK is written once, here, and the rule for "built" once too. Run from common's
 * classes ({@code java -cp common/target/classes dev.echostages.common.launcher.Launcher ...}):
 * <ul>
 *   <li>{@code --print-java-home}: the home of a JDK 21+ (the running java's when it is one, else
 *       the newest one installed), or exit status 1 with what to install.</li>
 *   <li>{@code --java-home-if-built JAR SOURCE...}: the same, but first exit status 3, with the
 *       reason on stdout, when JAR is missing or any file under a SOURCE is newer than it.</li>
 * </ul>
 *
 * <p>Written in Java 8 on purpose: no {@code var}, no {@code List.of}, no records.
 */
public final class Launcher {
    private static final int REQUIRED = 21;
    /** The exit status of {@code --java-home-if-built} when the jar must be built first. */
    static final int NOT_BUILT = 3;
    private static final Pattern SAFE_FOR_SHELL = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");
    private static final Pattern RELEASE_VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)(?:\\.(\\d+))?");

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        File jar = new File(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String stageMain = jar.isFile() ? stageMainClass(jar) : null;
        if (stageMain == null && args.length > 0 && args[0].equals("--print-java-home")) {
            System.exit(printJavaHome());
        }
        if (stageMain == null && args.length > 1 && args[0].equals("--java-home-if-built")) {
            String missingOrNewer = notBuiltBecause(new File(args[1]), Arrays.asList(args).subList(2, args.length));
            if (missingOrNewer != null) {
                System.out.println(missingOrNewer);
                System.exit(NOT_BUILT);
            }
            System.exit(printJavaHome());
        }
        if (stageMain == null) {
            System.err.println("Launcher starts the class named Stage-Main-Class in its jar's manifest,"
                    + " but " + jar + " names none: run a stage's jar (java -jar stageN-.../target/stageN-....jar)");
            System.exit(1);
        }
        String running = System.getProperty("java.specification.version");
        if (feature(running) < REQUIRED) {
            System.err.println(wrongJava(jar, args));
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

    /** Prints the home of the JDK 21+ to run with; 0, or 1 with what to do when there is none. */
    private static int printJavaHome() {
        if (feature(System.getProperty("java.specification.version")) >= REQUIRED) {
            System.out.println(System.getProperty("java.home"));
            return 0;
        }
        File newest = newestJdkHome();
        if (newest == null) {
            System.err.println("No JDK " + REQUIRED + " or newer found (this java is " + System.getProperty("java.version")
                    + "): install one, see README.md, Prerequisites, or point JAVA_HOME at it.");
            return 1;
        }
        System.out.println(newest.getPath());
        return 0;
    }

    /**
     * Why {@code jar} must be built before it is run: it is missing, or a file under one of
     * {@code sources} (folders or files) was changed after it was built. Null when it is up to date.
     */
    static String notBuiltBecause(File jar, List<String> sources) {
        if (!jar.isFile()) {
            return "its jar " + shortPath(jar) + " is missing";
        }
        long built = jar.lastModified();
        for (String source : sources) {
            File newer = newerThan(new File(source), built);
            if (newer != null) {
                return shortPath(newer) + " is newer than its jar";
            }
        }
        return null;
    }

    private static File newerThan(File file, long time) {
        File[] children = file.listFiles();
        if (children == null) {
            return file.isFile() && file.lastModified() > time ? file : null;
        }
        for (File child : children) {
            File newer = newerThan(child, time);
            if (newer != null) {
                return newer;
            }
        }
        return null;
    }

    /**
     * One argument as a shell reads it back: left alone when it holds only characters no shell
     * treats specially, quoted otherwise ({@code '...'} for sh, {@code "..."} for cmd).
     */
    static String quoteForShell(String argument, boolean windows) {
        if (SAFE_FOR_SHELL.matcher(argument).matches()) {
            return argument;
        }
        return windows ? '"' + argument.replace("\"", "\\\"") + '"' : "'" + argument.replace("'", "'\\''") + "'";
    }

    /** The arguments after a command, each quoted as its shell needs, every one kept. */
    static String quotedArguments(String[] args, boolean windows) {
        StringBuilder text = new StringBuilder();
        for (String argument : args) {
            text.append(' ').append(quoteForShell(argument, windows));
        }
        return text.toString();
    }

    static String wrongJava(File jar, String[] args) {
        boolean windows = File.separatorChar == '\\';
        String options = quotedArguments(args, windows);
        String module = jar.getName().replaceFirst("\\.jar$", "");
        String jarPath = shortPath(jar);
        File home = newestJdkHome();
        String found = home == null ? null : javaIn(home).getPath();
        StringBuilder text = new StringBuilder();
        text.append(module).append(" needs Java ").append(REQUIRED).append(" or newer, but this java is Java ")
                .append(System.getProperty("java.version")).append(" (java.home ")
                .append(System.getProperty("java.home")).append(").\n");
        if (found != null) {
            String java = found.contains(" ") ? '"' + found + '"' : found;
            text.append("A JDK ").append(REQUIRED).append("+ is installed here; run the jar with its java:\n  ")
                    .append(java).append(" -jar ").append(jarPath).append(options).append('\n');
        } else {
            text.append("Run the jar with the java of a JDK ").append(REQUIRED).append(" or newer:\n  /path/to/jdk-")
                    .append(REQUIRED).append("/bin/java -jar ").append(jarPath).append(options).append('\n');
        }
        text.append("or let the launcher script find a JDK ").append(REQUIRED).append("+ by itself (see README.md, Prerequisites):\n  ")
                .append(windows ? "run.cmd " : "./run ").append(module.replaceFirst("-.*", "")).append(options);
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

    private static File javaIn(File home) {
        return new File(home, File.separatorChar == '\\' ? "bin\\java.exe" : "bin/java");
    }

    /**
     * The home of the newest JDK 21+ in the places the build's toolchain search also looks
     * (JAVA_HOME and the JAVA_HOME_* variables CI sets, the usual install folders), or null.
     */
    private static File newestJdkHome() {
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
        File best = null;
        int bestVersion = REQUIRED - 1;
        for (File jdk : homes) {
            int version = releaseVersion(new File(jdk, "release"));
            if (version > bestVersion && javaIn(jdk).isFile()) {
                best = jdk;
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
