/**
 * The `Link` header value an application adds to a resource so that clients find the hub
 * (`rel="mercure"`) and the topic's canonical URL (`rel="self"`). Spec: Discovery.
 */
export function discoveryLinkHeader(hubUrl: string, topicUrl?: string): string {
  const links = [`<${hubUrl}>; rel="mercure"`];
  if (topicUrl !== undefined) links.push(`<${topicUrl}>; rel="self"`);
  return links.join(', ');
}
