using System.Buffers;

namespace Vigil.Api.Ingest;

/// <summary>Reads a whole request body up to a size limit, refusing larger ones with 413 before reading them.</summary>
public static class RequestBody
{
    public static Task<byte[]> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken) =>
        ReadAsync(request, maxBytes, static body => body.ToArray(), cancellationToken);

    /// <summary>
    /// The body in an array of the shared pool, for a caller that is done with it before it disposes it: an ingest
    /// batch of 1,000 readings is about 150 KB, which would otherwise be a new large-object-heap array per request.
    /// </summary>
    public static Task<PooledBody> ReadPooledAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken) =>
        ReadAsync(request, maxBytes, PooledBody.Copy, cancellationToken);

    private static async Task<T> ReadAsync<T>(HttpRequest request, long maxBytes, Func<ReadOnlySequence<byte>, T> take, CancellationToken cancellationToken)
    {
        if (request.ContentType is { } type && !IsJson(type))
        {
            throw new BadHttpRequestException($"Content-Type '{type}' is not JSON; send application/json.", StatusCodes.Status415UnsupportedMediaType);
        }

        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length > maxBytes)
            {
                reader.AdvanceTo(buffer.End);
                throw TooLarge(maxBytes);
            }

            if (result.IsCompleted)
            {
                var body = take(buffer);
                reader.AdvanceTo(buffer.End);
                return body;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static BadHttpRequestException TooLarge(long maxBytes) =>
        new($"The body is larger than {maxBytes / (1024 * 1024)} MiB; split it into several requests.", StatusCodes.Status413PayloadTooLarge);

    /// <summary>A request body in a pooled array; disposing it returns the array to the pool.</summary>
    public sealed class PooledBody : IDisposable
    {
        private byte[]? _array;
        private readonly int _length;

        private PooledBody(byte[] array, int length) => (_array, _length) = (array, length);

        public ReadOnlySpan<byte> Span => (_array ?? throw new ObjectDisposedException(nameof(PooledBody))).AsSpan(0, _length);

        internal static PooledBody Copy(ReadOnlySequence<byte> body)
        {
            var array = ArrayPool<byte>.Shared.Rent((int)body.Length);
            body.CopyTo(array);
            return new PooledBody(array, (int)body.Length);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }
}
