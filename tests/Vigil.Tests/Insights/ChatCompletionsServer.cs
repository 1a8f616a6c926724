using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Vigil.Tests.Insights;

/// <summary>
/// A local HTTP server speaking the OpenAI chat-completions protocol (<c>POST /v1/chat/completions</c>) on Kestrel,
/// standing in for an LLM: each request's messages go to <see cref="Respond"/>, which decides the answer.
/// </summary>
public sealed class ChatCompletionsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private ChatCompletionsServer(WebApplication app) => _app = app;

    /// <summary>Given the system and user messages, the completion's content (or an <see cref="IResult"/> to answer otherwise).</summary>
    public Func<string, string, CancellationToken, Task<object>> Respond { get; set; } = (_, _, _) => Task.FromResult<object>("");

    public string Url { get; private set; } = "";

    public int Requests => Volatile.Read(ref _requests);

    public List<JsonElement> Bodies { get; } = [];

    public static async Task<ChatCompletionsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ChatCompletionsServer(app);
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            Interlocked.Increment(ref server._requests);
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            var body = doc.RootElement.Clone();
            lock (server.Bodies)
            {
                server.Bodies.Add(body);
            }

            var messages = body.GetProperty("messages");
            var answer = await server.Respond(messages[0].GetProperty("content").GetString()!, messages[1].GetProperty("content").GetString()!, http.RequestAborted);
            return answer as IResult ?? Results.Json(new
            {
                id = "chatcmpl-test", @object = "chat.completion", model = body.GetProperty("model").GetString(),
                choices = new[] { new { index = 0, message = new { role = "assistant", content = (string)answer }, finish_reason = "stop" } },
            });
        });
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/v1";
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
