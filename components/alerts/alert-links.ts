import type { AlertLink } from '@/server/domain/alerts'
import { exceptionsHref, plantHref, tracesHref } from '../links'

/**
 * An alert's link descriptor (stored with the episode) as a console URL, through components/links.ts
 * like every other cross-page link. The worker uses it too, for the links in notifications.
 */
export function alertLinkHref(link: AlertLink): string {
  switch (link.page) {
    case 'exceptions':
      return exceptionsHref({ flow: link.flow ? [link.flow] : undefined, status: link.status }, { plant: link.plant })
    case 'traces':
      return tracesHref({ flow: link.flow ? [link.flow] : undefined, status: link.status, line: link.line }, { plant: link.plant, range: link.range })
    case 'plant':
      return plantHref(link.plant)
  }
}
