'use client'

import { useSyncExternalStore } from 'react'

// The theme is a class on <html>, set before paint by the root layout; watch it rather than copy it.
function subscribe(onChange: () => void) {
  const observer = new MutationObserver(onChange)
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] })
  return () => observer.disconnect()
}
const isDark = () => document.documentElement.classList.contains('dark')

export function ThemeToggle() {
  const dark = useSyncExternalStore(subscribe, isDark, () => false)

  function toggle() {
    const next = !dark
    document.documentElement.classList.toggle('dark', next)
    localStorage.setItem('lt-theme', next ? 'dark' : 'light')
  }

  return (
    <button type="button" className="btn" onClick={toggle} aria-label={dark ? 'Switch to light theme' : 'Switch to dark theme'}>
      {dark ? '☀ Light' : '☾ Dark'}
    </button>
  )
}
