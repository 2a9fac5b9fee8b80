using System.Text;

namespace AcWs.Ini;

/// <summary>A line-based unified diff (as <c>diff -u</c> prints it), from a longest common subsequence of lines.</summary>
public static class UnifiedDiff
{
    enum Op { Same, Removed, Added }

    /// <summary>
    /// The unified diff of <paramref name="before"/> against <paramref name="after"/> with
    /// <paramref name="context"/> lines around each change; "" when they are equal. Lines are joined with "\n".
    /// </summary>
    public static string Of(IReadOnlyList<string> before, IReadOnlyList<string> after, string fromName, string toName, int context = 3)
    {
        var script = Script(before, after);
        if (script.All(s => s.Op == Op.Same)) return "";

        var sb = new StringBuilder();
        sb.Append("--- ").Append(fromName).Append('\n');
        sb.Append("+++ ").Append(toName).Append('\n');
        int i = 0;
        while (i < script.Count)
        {
            if (script[i].Op == Op.Same) { i++; continue; }
            // A hunk: from `context` lines before this change to `context` lines after the last change
            // that is no more than 2*context unchanged lines away from the previous one.
            int start = Math.Max(0, i - context);
            int end = i;
            while (true)
            {
                while (end < script.Count && script[end].Op != Op.Same) end++;
                int next = end;
                while (next < script.Count && script[next].Op == Op.Same) next++;
                if (next < script.Count && next - end <= 2 * context) { end = next; continue; }
                end = Math.Min(script.Count, end + context);
                break;
            }
            var hunk = script.GetRange(start, end - start);
            int oldStart = script[start].OldIndex, newStart = script[start].NewIndex;
            int oldCount = hunk.Count(s => s.Op != Op.Added), newCount = hunk.Count(s => s.Op != Op.Removed);
            sb.Append("@@ -").Append(Range(oldStart, oldCount)).Append(" +").Append(Range(newStart, newCount)).Append(" @@\n");
            foreach (var s in hunk)
                sb.Append(s.Op switch { Op.Removed => '-', Op.Added => '+', _ => ' ' }).Append(s.Text).Append('\n');
            i = end;
        }
        return sb.ToString();
    }

    /// <summary>diff -u's "start,count": 1-based, and for an empty range the line before it.</summary>
    static string Range(int index, int count) => count == 0 ? $"{index},0" : count == 1 ? $"{index + 1}" : $"{index + 1},{count}";

    readonly record struct Step(Op Op, string Text, int OldIndex, int NewIndex);

    static List<Step> Script(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        // The common head is matched directly, so the quadratic table starts at the first change. The common
        // tail is only cut off for huge files: matching it from the end would pull an added section's last
        // lines ("IS_OPEN=1", "") onto the equal lines after it, where readers do not expect them.
        int head = 0;
        while (head < a.Count && head < b.Count && a[head] == b[head]) head++;
        int tail = 0;
        if ((long)(a.Count - head) * (b.Count - head) > 4_000_000)
            while (tail < a.Count - head && tail < b.Count - head && a[a.Count - 1 - tail] == b[b.Count - 1 - tail]) tail++;
        int n = a.Count - head - tail, m = b.Count - head - tail;

        // lcs[i, j] = length of the longest common subsequence of a's middle from i and b's middle from j.
        var lcs = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                lcs[i, j] = a[head + i] == b[head + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var steps = new List<Step>(a.Count + b.Count);
        for (int k = 0; k < head; k++) steps.Add(new(Op.Same, a[k], k, k));
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[head + x] == b[head + y]) { steps.Add(new(Op.Same, a[head + x], head + x, head + y)); x++; y++; }
            else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1])) { steps.Add(new(Op.Removed, a[head + x], head + x, head + y)); x++; }
            else { steps.Add(new(Op.Added, b[head + y], head + x, head + y)); y++; }
        }
        for (int k = 0; k < tail; k++) steps.Add(new(Op.Same, a[head + n + k], head + n + k, head + m + k));
        return steps;
    }
}
