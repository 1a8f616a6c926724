using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Notifications;

/// <summary>
/// A real webhook endpoint on Kestrel at 127.0.0.1 for the tests: it checks each request's HMAC-SHA256 signature with
/// the secret itself (independently of Vigil's code), records what came, and answers as told: 200, 500, or not at
/// all until released (a dead endpoint, which Vigil's attempt timeout must cut off).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>How the receiver answers a request.</summary>
    public enum Answer
    {
        Ok,
        Fail,
        Hang,
    }

    /// <summary>One request as received: when, its delivery headers, whether its signature checked out, and what it was answered.</summary>
    public sealed record Request(
        DateTimeOffset At, string? DeliveryHeader, string? EventHeader, bool SignatureValid, JsonElement Body, Answer Answered)
    {
        public string DeliveryId => Body.GetProperty("deliveryId").GetString()!;

        public string Event => Body.GetProperty("event").GetString()!;
    }

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Answer> _planned = new();
    private readonly Received<Request> _requests = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _hanging;

    private WebhookReceiver(WebApplication app, string secret)
    {
        _app = app;
        Secret = secret;
    }

    public string Secret { get; }

    public string Url { get; private set; } = null!;

    /// <summary>The answer once the planned ones (<see cref="Plan"/>) are used up.</summary>
    public Answer Otherwise { get; set; } = Answer.Ok;

    /// <summary>Requests being held without an answer right now.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    public IReadOnlyList<Request> Requests => _requests.Items;

    public static async Task<WebhookReceiver> StartAsync(string? secret = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secret ?? "receiver-secret-" + Guid.NewGuid().ToString("N"));
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
        return receiver;
    }

    /// <summary>Answers the next requests so, in order, before falling back to <see cref="Otherwise"/>.</summary>
    public void Plan(params Answer[] answers)
    {
        foreach (var a in answers)
        {
            _planned.Enqueue(a);
        }
    }

    /// <summary>Lets every held request go (answered 503) and stops holding new ones.</summary>
    public void Release() => _release.TrySetResult();

    /// <summary>Waits until the requests received satisfy <paramref name="condition"/>; woken by each request, never by a timer.</summary>
    public async Task<IReadOnlyList<Request>> WaitForAsync(Func<IReadOnlyList<Request>, bool> condition, TimeSpan timeout)
    {
        var (requests, met) = await _requests.WaitForAsync(condition, timeout, CancellationToken.None);
        return met ? requests : throw new TimeoutException($"the receiver's requests did not meet the condition within {timeout}; received: "
            + string.Join(", ", requests.Select(r => $"{r.Event}:{r.Answered}")));
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        var bytes = buffer.ToArray();
        var expected = "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), bytes)).ToLowerInvariant();
        var signature = http.Request.Headers["X-Vigil-Signature"].ToString();
        using var doc = JsonDocument.Parse(bytes);
        var answer = _planned.TryDequeue(out var planned) ? planned : Otherwise;
        if (answer == Answer.Hang && _release.Task.IsCompleted)
        {
            answer = Answer.Fail;
        }

        var request = new Request(DateTimeOffset.UtcNow, http.Request.Headers["X-Vigil-Delivery"].ToString(), http.Request.Headers["X-Vigil-Event"].ToString(),
            CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)), doc.RootElement.Clone(), answer);
        _requests.Add([request]);

        switch (answer)
        {
            case Answer.Ok:
                http.Response.StatusCode = 200;
                break;
            case Answer.Fail:
                http.Response.StatusCode = 500;
                break;
            case Answer.Hang:
                Interlocked.Increment(ref _hanging);
                try
                {
                    await _release.Task.WaitAsync(http.RequestAborted);
                    http.Response.StatusCode = 503;
                }
                catch (OperationCanceledException)
                {
                    // Vigil gave up on the attempt: the client went away.
                }
                finally
                {
                    Interlocked.Decrement(ref _hanging);
                }

                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
