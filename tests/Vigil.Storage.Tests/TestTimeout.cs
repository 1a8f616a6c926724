namespace Vigil.Storage.Tests;

/// <summary>
/// A safety net, not a synchronisation: a token that fires after a generous delay so a hang fails the test instead of
/// blocking the run. Tests wait on tasks; they never wait for time to pass.
/// </summary>
internal static class TestTimeout
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    public static CancellationTokenSource Start()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Generous);
        return cts;
    }
}
