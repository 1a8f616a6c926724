using System.Text.Json;
using Vigil.Domain;

namespace Vigil.Api.Ingest;

/// <summary>The body was not JSON of the expected shape (HTTP 400).</summary>
public sealed class MalformedJsonException(string message) : Exception(message);

/// <summary>The body held more items than one request may (HTTP 413).</summary>
public sealed class TooManyItemsException(int max) : Exception($"A request may carry at most {max:N0} items.");

/// <summary>
/// Reads a body that is one JSON object or an array of objects, item by item with <see cref="Utf8JsonReader"/>, so a
/// field of the wrong JSON kind becomes a field error naming the item and the field (HTTP 422) instead of a failed
/// parse, and a 10,000-item batch costs no intermediate document.
/// </summary>
public static class IngestJson
{
    public delegate void PropertyReader<in T>(ref Utf8JsonReader reader, T item, string property, int? index, List<FieldError> errors);

    public static (List<T> Items, bool IsArray) Parse<T>(ReadOnlySpan<byte> utf8, int maxItems, List<FieldError> errors, Func<T> create, PropertyReader<T> readProperty)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        var items = new List<T>();
        try
        {
            if (!reader.Read())
            {
                throw new MalformedJsonException("The body is empty; send a JSON object or an array of objects.");
            }

            bool isArray;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                isArray = false;
                items.Add(ReadObject(ref reader, null, errors, create, readProperty));
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                isArray = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (items.Count == maxItems)
                    {
                        throw new TooManyItemsException(maxItems);
                    }

                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        items.Add(ReadObject(ref reader, items.Count, errors, create, readProperty));
                    }
                    else
                    {
                        errors.Add(new FieldError(items.Count, "(item)", "must be a JSON object"));
                        reader.Skip();
                        items.Add(create());
                    }
                }
            }
            else
            {
                throw new MalformedJsonException("The body must be a JSON object or an array of objects.");
            }

            if (reader.Read())
            {
                throw new MalformedJsonException("Unexpected content after the JSON value.");
            }

            if (isArray && items.Count == 0)
            {
                throw new MalformedJsonException("The array is empty.");
            }

            return (items, isArray);
        }
        catch (JsonException e)
        {
            throw new MalformedJsonException($"The body is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader throws this for a string escape of half a surrogate pair ("\ud800"): JSON, but not text.
            throw new MalformedJsonException("The body holds a string that is not valid Unicode text (a lone surrogate escape).");
        }
    }

    private static T ReadObject<T>(ref Utf8JsonReader reader, int? index, List<FieldError> errors, Func<T> create, PropertyReader<T> readProperty)
    {
        var item = create();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            readProperty(ref reader, item, name, index, errors);
        }

        return item;
    }

    /// <summary>A string field: null and absent are the same; any other kind is a field error.</summary>
    public static string? String(ref Utf8JsonReader reader, string property, int? index, List<FieldError> errors)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Null:
                return null;
            default:
                errors.Add(new FieldError(index, property, "must be a string"));
                reader.Skip();
                return null;
        }
    }
}
