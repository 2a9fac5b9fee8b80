namespace AcWs.Tests.Support;

/// <summary>Settings for the whole test run.</summary>
public static class TestRun
{
    /// <summary>
    /// Every <c>dotnet acws.dll</c> child (agents, stand-ins, <c>acws call</c>) inherits this: without it the runtime
    /// of each one a test kills leaves a diagnostics pipe pair and socket in the temp folder.
    /// </summary>
    [Before(TestSession)]
    public static void NoDiagnosticsPipesInTemp() => Environment.SetEnvironmentVariable("DOTNET_EnableDiagnostics", "0");
}
