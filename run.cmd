@echo off
rem run.cmd: the Windows form of ./run (read that file for what it does and why).
rem   run.cmd stage5 --carriers 1 --debug    run.cmd demo stage2    run.cmd checker    run.cmd benchmarks quick
rem What differs from ./run: cmd cannot replace itself with java, so java runs as its child. Ctrl-C
rem reaches both; the server stops and logs as usual, then cmd asks "Terminate batch job (Y/N)?":
rem either answer ends the script, with the server's exit status for N. Arguments are passed on as
rem typed, so quote one that holds spaces or one of cmd's special characters.
setlocal EnableExtensions
set "HERE=%~dp0"
set "HERE=%HERE:~0,-1%"
set "LAUNCHER=dev.echostages.common.launcher.Launcher"
set "DEMO=dev.echostages.tools.demo.TwoClientDemo"

if "%~1"=="" goto usage
set "WHAT=%~1"
shift
set "MODULE="
set "ARGS="
if /i "%WHAT%"=="demo" goto command_demo
if /i "%WHAT%"=="checker" goto command_checker
if /i "%WHAT%"=="benchmarks" goto command_benchmarks
if /i not "%WHAT:~0,5%"=="stage" goto usage
call :stage_module "%WHAT%" || exit /b 2
goto collect

:command_demo
if "%~1"=="" goto usage
call :stage_module "%~1" || exit /b 2
shift
goto collect

:command_checker
if exist "%HERE%\tools\pom.xml" goto command_checker_present
echo run: the checker is not in this checkout (no tools\ module): it is built as tools\target\checker.jar 1>&2
exit /b 1
:command_checker_present
set "MODULE=tools"
goto collect

:command_benchmarks
if /i "%~1"=="quick" goto command_benchmarks_mode
if /i "%~1"=="full" goto command_benchmarks_mode
if /i "%~1"=="smoke" goto command_benchmarks_mode
if /i "%~1"=="memory" goto command_benchmarks_mode
if /i "%~1"=="report" goto command_benchmarks_mode
goto usage
:command_benchmarks_mode
set "MODULE=benchmarks"
goto collect

rem Everything after the command word(s), as typed.
:collect
if "%~1"=="" goto collected
set ARGS=%ARGS% %1
shift
goto collect
:collected

rem What goes into the jar: main code (not tests), common's launcher, the poms.
set "SOURCES=%HERE%\pom.xml %HERE%\common\src\launcher %HERE%\%MODULE%\src\main %HERE%\%MODULE%\pom.xml %HERE%\common\src\main %HERE%\common\pom.xml"
if /i "%MODULE%"=="benchmarks" for /d %%D in ("%HERE%\stage*-*") do call set "SOURCES=%%SOURCES%% %%D\src\main %%D\pom.xml"
set "JAR=%HERE%\%MODULE%\target\%MODULE%.jar"
if /i "%MODULE%"=="tools" set "JAR=%HERE%\tools\target\checker.jar"
rem The demo is in tools (checker.jar), the server it starts in the stage's jar: both are built.
set "BUILD=%MODULE%"
set "STAGE_JAR=%JAR%"
if /i "%WHAT%"=="demo" set "SOURCES=%SOURCES% %HERE%\tools\src\main %HERE%\tools\pom.xml"
if /i "%WHAT%"=="demo" set "BUILD=%MODULE%,tools"
if /i "%WHAT%"=="demo" set "JAR=%HERE%\tools\target\checker.jar"

set "BOOT="
if defined JAVA_HOME if exist "%JAVA_HOME%\bin\java.exe" set "BOOT=%JAVA_HOME%\bin\java.exe"
if not defined BOOT (
    where java >nul 2>&1 || (
        echo run: no java found ^(neither JAVA_HOME nor java on the PATH^): install a JDK 21 or newer, see README.md, Prerequisites 1>&2
        exit /b 1
    )
    set "BOOT=java"
)

set "ANSWER=%TEMP%\echostages-run-%RANDOM%%RANDOM%.txt"
call :ask_launcher --java-home-if-built "%JAR%" %SOURCES%
rem Labels and gotos rather than blocks in parentheses: cmd expands %VARIABLES% in a block before
rem it runs it, and a ")" in a path would end the block early.
if /i "%WHAT%"=="demo" if "%STATUS%"=="0" if not exist "%STAGE_JAR%" set "STATUS=3"
if not "%STATUS%"=="3" goto built
echo run: building %MODULE% with mvnw.cmd (%REPLY%), a few seconds; the first build downloads Maven and the libraries 1>&2
pushd "%HERE%"
call mvnw.cmd -q -B -pl %BUILD% -am package -DskipTests
set "BUILD=%ERRORLEVEL%"
popd
if not "%BUILD%"=="0" exit /b %BUILD%
if /i "%MODULE%"=="tools" if not exist "%JAR%" goto checker_not_built
call :ask_launcher --print-java-home
:built
if not "%STATUS%"=="0" exit /b %STATUS%

if /i "%WHAT%"=="demo" goto demo
if /i "%WHAT%"=="benchmarks" goto benchmarks
"%REPLY%\bin\java.exe" -jar "%JAR%" %ARGS%
exit /b %ERRORLEVEL%

:demo
for /f "tokens=2 delims=<>" %%M in ('findstr /c:"<stage.main>" "%HERE%\%MODULE%\pom.xml"') do set "STAGE_MAIN=%%M"
"%REPLY%\bin\java.exe" -cp "%STAGE_JAR%;%JAR%" %DEMO% %STAGE_MAIN% %ARGS%
exit /b %ERRORLEVEL%

:benchmarks
rem As the benchmarks' exec:exec runs them: JMH reads fields through sun.misc.Unsafe.
"%REPLY%\bin\java.exe" -Dsun.misc.unsafe.memory.access=allow -jar "%JAR%" %ARGS%
exit /b %ERRORLEVEL%

:checker_not_built
echo run: the tools module built, but without tools\target\checker.jar: the checker is not built by this checkout yet 1>&2
exit /b 1

rem Sets REPLY to the JDK 21+ home (STATUS 0), or to why the jar must be built (STATUS 3). After a
rem build it asks --print-java-home only: a file dated in the future would stay "newer".
:ask_launcher
if not exist "%HERE%\common\target\classes\dev\echostages\common\launcher\Launcher.class" (
    set "REPLY=nothing is built yet"
    set "STATUS=3"
    exit /b 0
)
"%BOOT%" -cp "%HERE%\common\target\classes" %LAUNCHER% %* > "%ANSWER%"
set "STATUS=%ERRORLEVEL%"
set "REPLY="
set /p REPLY=<"%ANSWER%"
del "%ANSWER%" >nul 2>&1
exit /b 0

rem Sets MODULE to the folder of stageN (stage5 -> stage5-async).
:stage_module
if exist "%HERE%\%~1\pom.xml" (
    set "MODULE=%~1"
    exit /b 0
)
for /d %%D in ("%HERE%\%~1-*") do set "MODULE=%%~nxD"
if defined MODULE exit /b 0
echo run: no stage called '%~1': stage1 to stage5 1>&2
exit /b 2

:usage
echo usage: run.cmd stage1^|stage2^|stage3^|stage4^|stage5 [server options]   (run.cmd stage1 --help lists them) 1>&2
echo        run.cmd demo stage1^|...^|stage5 [server options]            the two-client demo 1>&2
echo        run.cmd checker [checker options]                          the echo-contract checker 1>&2
echo        run.cmd benchmarks quick^|full [benchmark options]          JMH (full: 30+ minutes) 1>&2
exit /b 2
