using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Security;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Security;

/// <summary>
/// Walks every endpoint a running server maps, read from its <see cref="EndpointDataSource"/> so that an endpoint added
/// tomorrow is walked without anyone listing it: HTTP API, FHIR, dashboard, notifications, simulator control and the
/// gRPC methods. Each is called with no credentials (401), with every role of customer A by API key and by bearer
/// token and as a system administrator (403 where the matrix refuses, never 401/403 where it admits), and by A's
/// admitted callers at customer B's resources, which must answer exactly as a resource that does not exist does.
/// An endpoint naming no policy of the matrix, and not on the short public list, fails the walk.
/// </summary>
public sealed class EndpointWalk(VigilServer server, TokenIssuer tokens, string a, string b)
{
    /// <summary>What may answer without credentials, and why: nothing here holds a customer's data.</summary>
    private static readonly Dictionary<string, string> Public = new()
    {
        ["/health/live"] = "liveness probe",
        ["/health/ready"] = "readiness probe",
        ["/metrics"] = "Prometheus scrape (no patient data in labels)",
        ["/"] = "the dashboard's page",
        ["/app.js"] = "the dashboard's script",
        ["/app.css"] = "the dashboard's style sheet",
        ["/fhir/metadata"] = "the FHIR CapabilityStatement",
    };

    /// <summary>Route parameters that name no customer's resource, with the value that reaches the endpoint.</summary>
    private static readonly Dictionary<string, string> Fixed = new() { ["documentName"] = "v1" };

    private const string Missing = "walk-none-such";
    private const long MissingNumber = 987_654_321;

    /// <summary>One mapped endpoint with one method: its route, the policies it names, whether it is a gRPC method.</summary>
    public sealed record Route(string Method, RoutePattern Pattern, IReadOnlyList<string> Policies, bool Grpc)
    {
        public override string ToString() => $"{Method} {Pattern.RawText}";
    }

    private sealed record Credential(string Name, string Role, bool System, Action<HttpRequestMessage> Apply, bool Tenant);

    public List<string> Failures { get; } = [];

    /// <summary>How many calls the walk made, and how many of them were aimed at B's resources.</summary>
    public (int All, int Foreign) Calls { get; private set; }

    public List<Route> Routes { get; } = [];

    /// <summary>Routes with parameters that no resource of B was known for, so no foreign call was aimed at them.</summary>
    public List<string> NotAimed { get; } = [];

    /// <summary>B's resources by kind (the path segment that names them), for the foreign calls.</summary>
    public Dictionary<string, string> Foreign { get; } = [];

    /// <summary>Reads the endpoints and fails every one that names no policy of the matrix and is not public.</summary>
    public void ReadRoutes()
    {
        var source = server.Services.GetRequiredService<EndpointDataSource>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var named = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(d => d.Policy).OfType<string>()
                .Concat(endpoint.Metadata.GetOrderedMetadata<AccessPolicy>().Select(p => p.Name)).Distinct().ToList();
            var grpc = endpoint.Metadata.GetMetadata<AccessPolicy>() is not null;
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            if (named.Count == 0)
            {
                if (!anonymous || !Public.ContainsKey(path))
                {
                    Failures.Add($"{string.Join(",", methods)} {path}: names no policy of the role matrix (Vigil.Security.Access)");
                }

                continue;
            }

            if (methods.Count == 0)
            {
                Failures.Add($"{path}: answers every method; map it with the methods it serves");
                continue;
            }

            if (anonymous && !grpc)
            {
                Failures.Add($"{path}: names a policy but also allows anonymous callers");
            }

            foreach (var policy in named.Where(p => !ExpectedMatrix.Policies.ContainsKey(p)))
            {
                Failures.Add($"{path}: policy '{policy}' is not in the matrix this walk checks; add it here and to docs/security.md");
            }

            Routes.AddRange(methods.Where(m => m != "HEAD" && m != "OPTIONS").Select(m => new Route(m, endpoint.RoutePattern, named, grpc)));
        }

        // The audit trail shows each caller the ids it asked for, B's among them once A's callers have aimed at B: it is
        // walked first, before any of them has.
        var audit = Routes.Where(r => r.Pattern.RawText!.TrimStart('/').StartsWith("api/v1/audit", StringComparison.Ordinal)).ToList();
        Routes.RemoveAll(audit.Contains);
        Routes.InsertRange(0, audit);
    }

    private static bool Admits(IReadOnlyList<string> policies, string role, bool system) =>
        policies.All(p => ExpectedMatrix.Admits(p, role, system));

    /// <summary>A's callers: every role by API key, every person's role by bearer token, and a system administrator of each kind.</summary>
    private async Task<List<Credential>> CredentialsAsync()
    {
        var credentials = new List<Credential>();
        foreach (var role in new[] { "admin", "clinician", "viewer", "device" })
        {
            var key = await server.CreateKeyAsync(a, role);
            credentials.Add(new Credential($"{a} {role} key", role, false, r => r.Headers.Add("X-Api-Key", key), true));
        }

        credentials.Add(new Credential("system admin key", "admin", true, r => r.Headers.Add("X-Api-Key", server.AdminKey), false));
        var people = new[] { "admin", "clinician", "viewer" };
        var minted = await TokenIssuer.MintAsync(
            people.Select((role, i) => TokenIssuer.Signed(i % 2 == 0 ? tokens.Rsa : tokens.Ec, TokenIssuer.Claims(new[] { role }, a, subject: $"walker-{role}", exp: 3600)))
                .Append(TokenIssuer.Signed(tokens.Ec, TokenIssuer.Claims(new[] { "admin" }, null, subject: "walker-system", exp: 3600)))
                .ToList());
        for (var i = 0; i < people.Length; i++)
        {
            var token = minted[i];
            credentials.Add(new Credential($"{a} {people[i]} token", people[i], false, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token), true));
        }

        var system = minted[^1];
        credentials.Add(new Credential("system admin token", "admin", true, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", system), false));
        return credentials;
    }

    /// <summary>The path with every parameter filled: a missing resource, or (<paramref name="foreign"/>) B's resource of that kind.</summary>
    private string? Path(Route route, bool foreign)
    {
        var text = new StringBuilder();
        foreach (var segment in route.Pattern.PathSegments)
        {
            text.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        text.Append(literal.Content);
                        break;
                    case RoutePatternSeparatorPart separator:
                        text.Append(separator.Content);
                        break;
                    case RoutePatternParameterPart parameter when Fixed.TryGetValue(parameter.Name, out var value):
                        text.Append(value);
                        break;
                    case RoutePatternParameterPart parameter:
                        var numeric = parameter.ParameterPolicies.Any(p => p.Content is "int" or "long");
                        if (!foreign)
                        {
                            text.Append(numeric ? MissingNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) : Missing);
                            break;
                        }

                        if (ForeignId(route, parameter.Name) is not { } id)
                        {
                            return null;
                        }

                        text.Append(Uri.EscapeDataString(id));
                        break;
                }
            }
        }

        return text.Length == 0 ? "/" : text.ToString();
    }

    /// <summary>B's resource a parameter names: by its name (patientId, customerId, eventId), else by the segment before it.</summary>
    private string? ForeignId(Route route, string parameter)
    {
        var kind = parameter switch
        {
            "patientId" => "patients",
            "customerId" => "customers",
            "eventId" => "events",
            _ => null,
        };
        if (kind is null)
        {
            var segments = route.Pattern.PathSegments;
            var at = segments.ToList().FindIndex(s => s.Parts.OfType<RoutePatternParameterPart>().Any(p => p.Name == parameter));
            kind = at > 0 && segments[at - 1].Parts is [RoutePatternLiteralPart literal] ? literal.Content : "patients";
        }

        return Foreign.GetValueOrDefault(kind);
    }

    private HttpRequestMessage Request(Route route, string path, Credential? credential)
    {
        HttpRequestMessage request;
        if (route.Grpc)
        {
            // An empty message in gRPC's length-prefixed framing, over HTTP/2 to the gRPC listener.
            request = new HttpRequestMessage(HttpMethod.Post, $"http://{server.GrpcTarget}{path}")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(new byte[5]),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TryAddWithoutValidation("te", "trailers");
        }
        else
        {
            request = new HttpRequestMessage(new HttpMethod(route.Method), new Uri(server.BaseAddress, path))
            {
                Content = route.Method is "POST" or "PUT" or "PATCH" ? new StringContent("{}", Encoding.UTF8, "application/json") : null,
            };
        }

        credential?.Apply(request);
        return request;
    }

    /// <summary>The answer as one status: HTTP's, or for gRPC the grpc-status mapped to the HTTP status of the same meaning.</summary>
    private async Task<(int Status, string Body)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        Calls = (Calls.All + 1, Calls.Foreign + (request.RequestUri!.ToString().Contains(b, StringComparison.Ordinal) ? 1 : 0));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var grpc = response.Content.Headers.ContentType?.MediaType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
        if (grpc)
        {
            // Trailers-only answers (refusals) carry the status in the headers; a stream that started was admitted.
            var status = response.Headers.TryGetValues("grpc-status", out var values) ? values.Single() : null;
            return (status switch { "16" => 401, "7" => 403, "5" => 404, null => 200, _ => 400 }, "");
        }

        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            return ((int)response.StatusCode, "");
        }

        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancel.Token));
    }

    /// <summary>Walks every route with every caller; <see cref="Failures"/> lists what went wrong.</summary>
    public async Task WalkAsync()
    {
        var credentials = await CredentialsAsync();
        using var client = new HttpClient();
        foreach (var route in Routes)
        {
            var own = Path(route, foreign: false)!;
            var (anonymous, _) = await SendAsync(client, Request(route, own, null));
            if (anonymous != 401)
            {
                Failures.Add($"{route} without credentials -> {anonymous}, expected 401");
            }

            foreach (var credential in credentials)
            {
                var admitted = Admits(route.Policies, credential.Role, credential.System);
                var request = await RequestForAsync(route, own, credential, client);
                if (request is null)
                {
                    // The stream needs a stream token, and this caller may not get one: it must not get in by its key or token either.
                    var (direct, _) = await SendAsync(client, Request(route, own, credential));
                    if (direct is not (401 or 403))
                    {
                        Failures.Add($"{route} as {credential.Name} without a stream token -> {direct}, expected 401 or 403");
                    }

                    continue;
                }

                var (status, body) = await SendAsync(client, request);
                if (!admitted && status != 403)
                {
                    Failures.Add($"{route} as {credential.Name} -> {status}, expected 403 ({string.Join(",", route.Policies)})");
                }
                else if (admitted && status is 401 or 403)
                {
                    Failures.Add($"{route} as {credential.Name} -> {status}, expected to be admitted ({string.Join(",", route.Policies)}): {body}");
                }
                else if (status >= 500)
                {
                    // An admitted caller the endpoint cannot serve (a system admin where a customer is needed) names the wrong policy.
                    Failures.Add($"{route} as {credential.Name} -> {status}: {body}");
                }

                if (credential.Tenant && status < 300 && body.Contains(b, StringComparison.Ordinal))
                {
                    Failures.Add($"{route} as {credential.Name}: the answer shows customer {b}'s data: {body}");
                }

                if (admitted && credential.Tenant && route.Pattern.Parameters.Any(p => !Fixed.ContainsKey(p.Name)))
                {
                    await ForeignAsync(route, credential, client);
                }
            }
        }
    }

    /// <summary>A's caller aimed at B's resource must get exactly what a resource that does not exist gets, and never a success.</summary>
    private async Task ForeignAsync(Route route, Credential credential, HttpClient client)
    {
        if (Path(route, foreign: true) is not { } foreign)
        {
            if (!NotAimed.Contains(route.ToString()))
            {
                NotAimed.Add(route.ToString());
            }

            return;
        }

        var (missing, _) = await SendAsync(client, (await RequestForAsync(route, Path(route, foreign: false)!, credential, client))!);
        var (status, body) = await SendAsync(client, (await RequestForAsync(route, foreign, credential, client))!);
        if (status < 300 || status != missing)
        {
            Failures.Add($"{route} as {credential.Name} at {b}'s {foreign} -> {status}, a missing one -> {missing}: {body}");
        }
    }

    /// <summary>The request a caller makes; for the stream, a stream token of the caller's own (null when the caller may not have one).</summary>
    private async Task<HttpRequestMessage?> RequestForAsync(Route route, string path, Credential credential, HttpClient client)
    {
        if (!route.Policies.Contains(Access.Stream))
        {
            return Request(route, path, credential);
        }

        using var issue = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "/api/v1/dashboard/stream-tokens"));
        credential.Apply(issue);
        using var issued = await client.SendAsync(issue, TestContext.Current.CancellationToken);
        if (!issued.IsSuccessStatusCode)
        {
            return null;
        }

        using var json = JsonDocument.Parse(await issued.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var token = json.RootElement.GetProperty("token").GetString()!;
        return Request(route, $"{path}?access_token={Uri.EscapeDataString(token)}", null);
    }
}
