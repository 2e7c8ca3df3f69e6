/*
 * out_remarkup.c - the report in Phabricator's Remarkup, ready to paste into a task comment:
 * "= Heading =" headings, pipe tables, !!highlighted!! failures, and each run's latency
 * histogram and rate over time as text charts in a ``` block (textchart.c).  The content
 * and layout are out_markdown.c's (an_out_md_common); this file supplies the dialect.
 *
 * Tables: Phabricator's simple-table rule takes a row as the header separator only when
 * every cell is dashes alone, so Remarkup tables carry no Markdown alignment colons
 * ("| --- |", never "| ---: |"); a separator with colons would show as a literal row and
 * leave the table without a header.
 *
 * Remarkup has no backslash escape.  Strings from the database are therefore defused rather
 * than escaped: '|' (a table cell break) becomes '/', brackets and braces become parentheses
 * (no [[links]], no {F123} embeds), '@' becomes " at " (no notifications), a backtick a
 * quote, and doubled markup characters (**, //, !!, %%, ##, ~~, __) are split by a space,
 * so a run called "**x**" or "{F123}" or "@user" cannot format, embed or notify.  "://"
 * inside URLs is kept.
 */
#include "analyze/analyze.h"

#include <stdio.h>
#include <string.h>

#define AN_REMARKUP_WIDTH 100   /* a comment's code block shows 100 columns unscrolled */

static void rm_escape(FILE *out, const char *s)
{
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n' || c == '\r' || c == '\t')
            fputc(' ', out);
        else if (c == '|')
            fputc('/', out);
        else if (c == '[' || c == '{')
            fputc('(', out);
        else if (c == ']' || c == '}')
            fputc(')', out);
        else if (c == '`')
            fputc('\'', out);
        else if (c == '@')
            fputs(" at ", out);
        else {
            fputc(c, out);
            /* A doubled markup character (**bold**, //italic//, !!x!!, %%%literal%%%) is
             * split; "://" in a URL stays whole. */
            if (p[1] == (char)c && strchr("*_#!~%/", c) && !(c == '/' && p > s && p[-1] == ':'))
                fputc(' ', out);
        }
    }
}

static void rm_heading(FILE *out, int level, const char *text)
{
    /* "= x =" is the largest heading; Remarkup reads up to six '='. */
    for (int i = 0; i < level; i++)
        fputc('=', out);
    fputc(' ', out);
    rm_escape(out, text);
    fputc(' ', out);
    for (int i = 0; i < level; i++)
        fputc('=', out);
    fputs("\n\n", out);
}

/* The run's charts as text in a code block (a comment cannot hold the HTML report's SVG). */
static void rm_charts(FILE *out, const struct an_report *r, const struct an_run *run)
{
    rm_heading(out, 3, "Charts");
    fputs("```\n", out);
    an_textchart_latency(out, run, &r->crit, AN_REMARKUP_WIDTH);
    fputc('\n', out);
    an_textchart_rate(out, run, &r->crit, AN_REMARKUP_WIDTH);
    fputs("```\n\n", out);
}

static const struct an_md_dialect remarkup = {
    .heading = rm_heading,
    .cell = rm_escape,
    .text = rm_escape,
    .pass = "**PASS**",
    .fail = "!!FAIL!!",
    .align = 0,
    .run_extra = rm_charts,
};

int an_out_remarkup(const struct an_report *r, FILE *out)
{
    return an_out_md_common(r, out, &remarkup);
}
