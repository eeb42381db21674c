package dev.echostages.tools.exercises;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes an exercise's starter: the real source file of the stage it starts from (the previous
 * one; stage 1 for exercise 5), renamed, with the part to rewrite marked.
 *
 * <p>A stage marks that part with two comment lines, {@code // exercise N begin: <hint>} and
 * {@code // exercise N end}. The starter is the whole file (its package too, so that the stage's
 * package-private helpers stay in reach) with the class renamed and the marked part kept as it
 * is, under a TODO that gives the hint, says where the hints and the answer are, and says that the
 * code below is that stage's: it passes that stage's checks and fails the exercise's. So
 * a starter compiles and runs as the stage it starts from, and the checker shows the student the
 * very failures the exercise is about, each with its explanation, and nothing else.
 *
 * <p>Run by the exercises module's build ({@code generate-sources}) as
 * {@code StarterGenerator STARTER_ROOT STUDENT_ROOT N=SOURCE...}: the starter
 * ({@code ExerciseNStarter}) is written under STARTER_ROOT on every build, for the tests that
 * prove it fails exactly those checks; the student's copy ({@code ExerciseNServer}) under
 * STUDENT_ROOT only when it is not there yet, so that the next build never overwrites the
 * student's work.
 */
public final class StarterGenerator {
    private static final Pattern BEGIN = Pattern.compile("^(\\s*)// exercise (\\d+) begin: (.*)$");
    private static final Pattern END = Pattern.compile("^\\s*// exercise (\\d+) end$");

    private StarterGenerator() {
    }

    /** A marker line, which is build input, not lesson: the stages' lesson diffs leave it out. */
    public static boolean isMarker(String line) {
        return BEGIN.matcher(line).matches() || END.matcher(line).matches();
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3 || !Arrays.stream(args).skip(2).allMatch(arg -> arg.matches("\\d+=.+"))) {
            System.err.println("usage: StarterGenerator STARTER_ROOT STUDENT_ROOT EXERCISE=SOURCE...");
            System.exit(2);
        }
        for (String spec : Arrays.asList(args).subList(2, args.length)) {
            int exercise = Integer.parseInt(spec.substring(0, spec.indexOf('=')));
            generate(exercise, Path.of(spec.substring(spec.indexOf('=') + 1)), Path.of(args[0]), Path.of(args[1]));
        }
    }

    private static void generate(int exercise, Path source, Path starterRoot, Path studentRoot) throws IOException {
        String text = Files.readString(source, StandardCharsets.UTF_8);
        String original = source.getFileName().toString().replaceFirst("\\.java$", "");
        String from = source.toString().replace('\\', '/').replaceFirst(".*/(stage[^/]*/src/main/java/)", "$1");
        String starter = "Exercise" + exercise + "Starter";
        write(file(starterRoot, text, starter), starter(text, exercise, original, starter, from));
        String yours = "Exercise" + exercise + "Server";
        Path student = file(studentRoot, text, yours);
        if (Files.exists(student)) {
            System.out.println("exercise " + exercise + ": " + student + " (yours, left as it is; delete it to start over)");
        } else {
            write(student, starter(text, exercise, original, yours, from));
            System.out.println("exercise " + exercise + ": " + student + " (new: your copy to edit)");
        }
    }

    /**
     * The starter's text: {@code source} (the file at {@code from}, a path that starts with its
     * module, {@code stageK-...}) with the class renamed and exercise {@code exercise}'s part
     * marked as the one to rewrite; other exercises' markers are left out.
     */
    static String starter(String source, int exercise, String originalClass, String newClass, String from) {
        Matcher module = Pattern.compile("^stage(\\d+)").matcher(from);
        if (!module.find()) {
            throw new IllegalArgumentException("not a stage's source: " + from);
        }
        String stage = "stage " + module.group(1);
        List<String> out = new ArrayList<>();
        String endOfPart = null;
        boolean found = false;
        for (String line : source.split("\n", -1)) {
            Matcher begin = BEGIN.matcher(line);
            if (begin.matches()) {
                if (Integer.parseInt(begin.group(2)) == exercise) {
                    String indent = begin.group(1);
                    out.add(indent + "// TODO exercise " + exercise + ": " + begin.group(3));
                    out.add(indent + "// The hints: stage " + exercise + "'s EXERCISE.md; the answer: stage " + exercise + "'s code.");
                    out.add(indent + "// The code from here to \"end of exercise " + exercise + "\" is " + stage + "'s, unchanged:");
                    out.add(indent + "// it passes " + stage + "'s checks and fails exercise " + exercise + "'s. Rewrite it.");
                    endOfPart = indent + "// end of exercise " + exercise + "'s part";
                    found = true;
                }
                continue; // other exercises' markers are left out of this starter
            }
            Matcher end = END.matcher(line);
            if (end.matches()) {
                if (Integer.parseInt(end.group(1)) == exercise && endOfPart != null) {
                    out.add(endOfPart);
                    endOfPart = null;
                }
                continue;
            }
            out.add(line);
        }
        if (!found || endOfPart != null) {
            throw new IllegalArgumentException("no complete '// exercise " + exercise + " begin: ... end' region in " + from);
        }
        String text = String.join("\n", out).replaceAll("\\b" + Pattern.quote(originalClass) + "\\b", newClass);
        // Said once at the top, so that nobody mistakes the starter for the stage's code.
        return text.replaceFirst("(?m)^(package [^;]+;)$", "$1\n\n// Exercise " + exercise + "'s starter, generated by tools' StarterGenerator from\n// "
                + Matcher.quoteReplacement(from) + ":\n// that stage's code, the class renamed, the part to rewrite marked \"TODO exercise " + exercise + "\".");
    }

    private static Path file(Path root, String source, String className) {
        Matcher pkg = Pattern.compile("(?m)^package ([\\w.]+);").matcher(source);
        String dir = pkg.find() ? pkg.group(1).replace('.', '/') : "";
        return root.resolve(dir).resolve(className + ".java");
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
