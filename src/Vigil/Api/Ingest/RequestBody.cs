using System.Buffers;

namespace Vigil.Api.Ingest;

/// <summary>Reads a whole request body up to a size limit, refusing larger ones with 413 before reading them.</summary>
public static class RequestBody
{
    public static async Task<byte[]> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
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
                var bytes = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return bytes;
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
}
