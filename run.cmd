@echo off
rem run.cmd: the Windows form of ./run (read that file for what it does and why).
rem   run.cmd stage5 --carriers 1 --debug    run.cmd demo stage2    run.cmd checker    run.cmd benchmarks quick
rem What differs from ./run: cmd cannot replace itself with java, so java runs as its child. Ctrl-C
rem reaches both; the server stops and logs as usual, then cmd asks "Terminate batch job (Y/N)?":
rem either answer ends the script, with the server's exit status for N. Arguments are passed on as
rem typed, so quote one that holds spaces or cmd's special characters (& | < > ^).
setlocal EnableExtensions
set "HERE=%~dp0"
set "HERE=%HERE:~0,-1%"
set "LAUNCHER=dev.echostages.common.launcher.Launcher"
set "DEMO=dev.echostages.common.demo.TwoClientDemo"

if "%~1"=="" goto usage
set "WHAT=%~1"
shift
set "MODULE="
if /i "%WHAT%"=="demo" (
    if "%~1"=="" goto usage
    call :stage_module "%~1" || exit /b 2
    shift
) else if /i "%WHAT%"=="checker" (
    if not exist "%HERE%\tools\pom.xml" (
        echo run: the checker is not in this checkout ^(no tools\ module^): it is built as tools\target\checker.jar 1>&2
        exit /b 1
    )
    set "MODULE=tools"
) else if /i "%WHAT%"=="benchmarks" (
    set "MODULE=benchmarks"
) else if /i "%WHAT:~0,5%"=="stage" (
    call :stage_module "%WHAT%" || exit /b 2
) else (
    goto usage
)

rem Everything after the command word(s), as typed.
set "ARGS="
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
if "%STATUS%"=="3" (
    echo run: building %MODULE% with mvnw.cmd ^(%REPLY%^), a few seconds; the first build downloads Maven and the libraries 1>&2
    pushd "%HERE%"
    call mvnw.cmd -q -B -pl %MODULE% -am package -DskipTests
    set "BUILD=%ERRORLEVEL%"
    popd
    call :after_build || exit /b 1
    call :ask_launcher --print-java-home
)
if not "%STATUS%"=="0" exit /b %STATUS%

if /i "%WHAT%"=="demo" (
    for /f "tokens=2 delims=<>" %%M in ('findstr /c:"<stage.main>" "%HERE%\%MODULE%\pom.xml"') do set "STAGE_MAIN=%%M"
    call "%REPLY%\bin\java.exe" -cp "%JAR%" %DEMO% %%STAGE_MAIN%% %ARGS%
) else if /i "%WHAT%"=="benchmarks" (
    "%REPLY%\bin\java.exe" -Dsun.misc.unsafe.memory.access=allow -jar "%JAR%" %ARGS%
) else (
    "%REPLY%\bin\java.exe" -jar "%JAR%" %ARGS%
)
exit /b %ERRORLEVEL%

:after_build
if not "%BUILD%"=="0" exit /b 1
if /i "%MODULE%"=="tools" if not exist "%JAR%" (
    echo run: the tools module built, but without tools\target\checker.jar: the checker is not built by this checkout yet 1>&2
    exit /b 1
)
exit /b 0

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
