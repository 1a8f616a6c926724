namespace Vigil.Hosting;

/// <summary>
/// An exclusive lock on <c>{data-dir}/vigil.lock</c> held for the life of the process: two processes writing one
/// embedded database would each believe they are its only writer. The kernel drops the lock when a process dies.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    public DataDirectoryLock(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, "vigil.lock");
        try
        {
            _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"Another Vigil process is using the data directory '{Path.GetFullPath(dataDir)}'.", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
